{{
    config(
        materialized=fact_path_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['platform', 'store_id', 'order_id', 'line_id'],
    )
}}

with

order_lines as (

    select * from {{ ref('stg_raw__order_lines') }}
    where {{ is_covered_load() }}

),

candidates as (

    {{ rows_of_new_loads('order_lines') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(
            ['platform', 'store_id', 'order_id', 'line_id']
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
        line_id,
        product_id,
        product_name,
        quantity,
        paid_at,
        order_status,
        refund_status,
        gmv,
        refund,
        streamer_id,
        channel

    from ranked
    where load_rank = 1

)

select * from latest
