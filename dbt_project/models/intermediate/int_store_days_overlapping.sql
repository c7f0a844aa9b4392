-- Store-days that arrived both as order lines and as a daily summary. Order
-- lines win; the summary rows of these days are dropped from the sales and
-- listed here so the overlap can be reported.

with

order_line_sales as (

    select * from {{ ref('int_order_line_sales_aggregated') }}

),

daily_sales as (

    select * from {{ ref('int_daily_sales_deduplicated') }}

),

order_line_days as (

    select
        platform,
        store_id,
        sale_date,
        sum(gmv) as order_lines_gmv,
        sum(refund) as order_lines_refund

    from order_line_sales
    group by platform, store_id, sale_date

),

daily_sales_days as (

    select
        platform,
        store_id,
        sale_date,
        sum(gmv) as daily_sales_gmv,
        sum(refund) as daily_sales_refund,
        count(*) as daily_sales_rows

    from daily_sales
    group by platform, store_id, sale_date

),

overlapping_days as (

    select
        order_line_days.platform,
        order_line_days.store_id,
        order_line_days.sale_date,
        order_line_days.order_lines_gmv,
        order_line_days.order_lines_refund,
        daily_sales_days.daily_sales_gmv,
        daily_sales_days.daily_sales_refund,
        daily_sales_days.daily_sales_rows

    from order_line_days
    inner join daily_sales_days
        on
            order_line_days.platform = daily_sales_days.platform
            and order_line_days.store_id = daily_sales_days.store_id
            and order_line_days.sale_date = daily_sales_days.sale_date

)

select * from overlapping_days
