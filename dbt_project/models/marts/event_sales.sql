-- Each sale of the fact inside the window of an event of the annual plan,
-- on one of the event's platforms (an empty list means every platform), by
-- a seller of the event's place: its county when the plan names one, else
-- its city, else anywhere. Unattributed sales have no place, so they join
-- only the events that name none. is_enrolled: the seller's enterprise
-- enrolled (挂标) in the event on this platform; sellers without
-- enrolment data are not enrolled.

with

sales as (

    select * from {{ ref('fct_sales') }}

),

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

enrolments as (

    select * from {{ ref('int_enrolments_deduplicated') }}

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
        sales.net_sales,
        enrolments.credit_code is not null as is_enrolled

    from sales
    inner join events
        on
            sales.sale_date >= events.start_date
            and sales.sale_date <= events.end_date
            and {{ sale_meets_event('sales', 'events') }}
    -- at most one enrolment matches (int_enrolments_deduplicated)
    left join enrolments
        on
            events.year = enrolments.year
            and events.event_id = enrolments.event_id
            and sales.credit_code = enrolments.credit_code
            and (
                enrolments.platform = ''
                or sales.platform = enrolments.platform
            )

)

select * from event_sales
