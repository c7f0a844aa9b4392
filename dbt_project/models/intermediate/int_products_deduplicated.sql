with

products as (

    select * from {{ ref('stg_raw__products') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(['year', 'product_code']) }} as load_rank

    from products

),

latest as (

    select
        load_id,
        source_file,
        source_row,
        year,
        product_code,
        product_name,
        belt,
        origin_county_code,
        is_gi,
        credit_code

    from ranked
    where load_rank = 1

)

select * from latest
