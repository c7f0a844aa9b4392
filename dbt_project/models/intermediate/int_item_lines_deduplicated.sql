{{
    config(
        materialized=fact_path_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['platform', 'store_id', 'order_id', 'line_no'],
    )
}}

with

item_lines as (

    select * from {{ ref('stg_raw__item_lines') }}
    where {{ is_covered_load() }}

),

candidates as (

    {{ rows_of_new_loads('item_lines') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(
            ['platform', 'store_id', 'order_id', 'line_no']
        ) }} as load_rank

    from candidates

),

latest as (

    select
        load_id,
        source_file,
        source_row,
        layout,
        platform,
        store_id,
        order_id,
        line_no,
        product_id,
        product_name,
        unit_price,
        quantity,
        order_status

    from ranked
    where load_rank = 1

)

select * from latest
