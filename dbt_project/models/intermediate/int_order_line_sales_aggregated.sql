-- Order lines summed to the fact's grain: store x product x day of payment.
-- paid_at is already Beijing time, so its date is the sale date. Lines
-- never paid (no paid_at) have no sale date and are not sales.

with

sale_lines as (

    select * from {{ ref('int_order_lines_allocated') }}

),

paid_lines as (

    select
        platform,
        store_id,
        coalesce(product_id, '') as product_id,
        cast(paid_at as date) as sale_date,
        gmv,
        refund,
        coalesce(quantity, 0) as quantity

    from sale_lines
    where paid_at is not null

),

store_product_days as (

    select
        platform,
        store_id,
        product_id,
        sale_date,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(quantity) as quantity,
        count(*) as line_count

    from paid_lines
    group by platform, store_id, product_id, sale_date

)

select * from store_product_days
