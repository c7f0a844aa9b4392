-- Sales carried by a live-streamer, summed to platform x store x streamer x
-- day, under the same rules as the fact: paid order lines (Taobao orders
-- already shared over their lines), plus daily summary rows of store-days
-- that have no order lines.

with

sale_lines as (

    select * from {{ ref('int_order_lines_allocated') }}

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
        streamer_id,
        cast(paid_at as date) as sale_date,
        gmv,
        refund

    from sale_lines
    where
        paid_at is not null
        and streamer_id is not null
        and streamer_id <> ''

),

from_daily_sales as (

    select
        daily_sales.platform,
        daily_sales.store_id,
        daily_sales.streamer_id,
        daily_sales.sale_date,
        daily_sales.gmv,
        daily_sales.refund

    from daily_sales
    left join overlapping_days
        on
            daily_sales.platform = overlapping_days.platform
            and daily_sales.store_id = overlapping_days.store_id
            and daily_sales.sale_date = overlapping_days.sale_date
    where
        overlapping_days.sale_date is null
        and daily_sales.streamer_id is not null
        and daily_sales.streamer_id <> ''

),

streamer_lines as (

    select * from from_order_lines
    union all
    select * from from_daily_sales

),

streamer_days as (

    select
        platform,
        store_id,
        streamer_id,
        sale_date,
        sum(gmv) as gmv,
        sum(refund) as refund

    from streamer_lines
    group by platform, store_id, streamer_id, sale_date

)

select * from streamer_days
