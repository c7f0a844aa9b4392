with

product_items as (

    select * from {{ ref('stg_raw__product_items') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(
            ['year', 'platform', 'store_id', 'item_id']
        ) }} as load_rank

    from product_items

),

latest as (

    select
        load_id,
        source_file,
        source_row,
        year,
        product_code,
        platform,
        store_id,
        item_id

    from ranked
    where load_rank = 1

)

select * from latest
