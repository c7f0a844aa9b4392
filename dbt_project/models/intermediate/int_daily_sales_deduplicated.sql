{{
    config(
        materialized=fact_path_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['platform', 'store_id', 'product_id', 'sale_date'],
    )
}}

with

daily_sales as (

    select * from {{ ref('stg_raw__daily_sales') }}
    where {{ is_covered_load() }}

),

candidates as (

    {{ rows_of_new_loads('daily_sales') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(
            ['platform', 'store_id', 'product_id', 'sale_date']
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
        product_id,
        product_name,
        sale_date,
        gmv,
        refund,
        quantity,
        buyers,
        streamer_id,
        channel

    from ranked
    where load_rank = 1

)

select * from latest
