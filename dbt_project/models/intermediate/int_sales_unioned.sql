-- One source of truth per store and day: order-line days, plus the daily
-- summary rows of store-days that have no order lines.

with

order_line_sales as (

    select * from {{ ref('int_order_line_sales_aggregated') }}

),

daily_sales as (

    select * from {{ ref('int_daily_sales_deduplicated') }}

),

overlapping_days as (

    select * from {{ ref('int_store_days_overlapping') }}

),

from_order_lines as (

    select
        platform,
        store_id,
        product_id,
        sale_date,
        gmv,
        refund,
        quantity,
        'order_lines' as source_grain

    from order_line_sales

),

from_daily_sales as (

    select
        daily_sales.platform,
        daily_sales.store_id,
        daily_sales.product_id,
        daily_sales.sale_date,
        daily_sales.gmv,
        daily_sales.refund,
        coalesce(daily_sales.quantity, 0) as quantity,
        'daily_sales' as source_grain

    from daily_sales
    left join overlapping_days
        on
            daily_sales.platform = overlapping_days.platform
            and daily_sales.store_id = overlapping_days.store_id
            and daily_sales.sale_date = overlapping_days.sale_date
    where overlapping_days.sale_date is null

),

sales as (

    select * from from_order_lines
    union all
    select * from from_daily_sales

)

select * from sales
