-- Each sale of the fact inside the window of an event of the annual plan,
-- on one of the event's platforms (an empty list means every platform).
-- The event's place (city, county) does not filter yet: a sale anywhere
-- counts for every event whose window and platforms it meets.

with

sales as (

    select * from {{ ref('fct_sales') }}

),

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

event_sales as (

    select
        events.year as event_year,
        events.event_id,
        events.event_name,
        sales.sale_date,
        sales.year,
        sales.platform,
        sales.store_id,
        sales.product_id,
        sales.product_code,
        sales.credit_code,
        sales.county_code,
        sales.city_code,
        sales.belt,
        sales.gmv,
        sales.refund,
        sales.net_sales

    from sales
    inner join events
        on
            sales.sale_date >= events.start_date
            and sales.sale_date <= events.end_date
            and (
                events.platforms = ''
                or {{ is_listed('sales.platform', 'events.platforms') }}
            )

)

select * from event_sales
