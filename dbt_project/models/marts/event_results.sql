-- How each event of the plan did: the sales that count for it (see
-- event_sales) inside its window, against the same number of days just
-- before the window, under the same platform and place rules; and the
-- units enrolled in it (挂标), with how many of them sold in it and what.

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

enrolled_event_sales as (

    select * from {{ ref('event_sales') }}
    where is_enrolled

),

enrolled_units as (

    select
        year as event_year,
        event_id,
        count(distinct credit_code) as enrolled_count

    from enrolments
    group by year, event_id

),

joined_units as (

    select
        event_year,
        event_id,
        credit_code,
        sum(gmv) as gmv,
        sum(net_sales) as net_sales

    from enrolled_event_sales
    group by event_year, event_id, credit_code

),

joined_totals as (

    select
        event_year,
        event_id,
        sum(case when gmv > 0 then 1 else 0 end) as joined_count,
        sum(net_sales) as enrolled_net_sales

    from joined_units
    group by event_year, event_id

),

event_windows as (

    select
        year as event_year,
        event_id,
        event_name,
        start_date,
        end_date,
        place_kind,
        city_code,
        county_code,
        platforms,
        {{ days_between('start_date', 'end_date') }} + 1 as window_days

    from events

),

baseline_windows as (

    select
        *,
        {{ add_days('start_date', '-window_days') }} as baseline_start,
        {{ add_days('start_date', -1) }} as baseline_end

    from event_windows

),

window_sales as (

    select
        events.event_year,
        events.event_id,
        sum(sales.gmv) as gmv,
        sum(sales.refund) as refund,
        sum(sales.net_sales) as net_sales,
        count(distinct sales.credit_code) as enterprise_count,
        count(distinct sales.platform || ':' || sales.store_id) as store_count

    from baseline_windows as events
    inner join sales
        on
            events.start_date <= sales.sale_date
            and events.end_date >= sales.sale_date
            and {{ sale_meets_event('sales', 'events') }}
    group by events.event_year, events.event_id

),

baseline_sales as (

    select
        events.event_year,
        events.event_id,
        sum(sales.gmv) as gmv,
        sum(sales.net_sales) as net_sales

    from baseline_windows as events
    inner join sales
        on
            events.baseline_start <= sales.sale_date
            and events.baseline_end >= sales.sale_date
            and {{ sale_meets_event('sales', 'events') }}
    group by events.event_year, events.event_id

),

event_results as (

    select
        events.event_year,
        events.event_id,
        events.event_name,
        events.start_date,
        events.end_date,
        cast(events.window_days as integer) as window_days,
        events.place_kind,
        events.city_code,
        events.county_code,
        events.platforms,
        cast(coalesce(window_sales.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(window_sales.refund, 0) as decimal(18, 2)) as refund,
        cast(coalesce(window_sales.net_sales, 0) as decimal(18, 2))
            as net_sales,
        cast(coalesce(window_sales.enterprise_count, 0) as integer)
            as enterprise_count,
        cast(coalesce(window_sales.store_count, 0) as integer) as store_count,
        events.baseline_start,
        events.baseline_end,
        cast(coalesce(baseline_sales.gmv, 0) as decimal(18, 2))
            as baseline_gmv,
        cast(coalesce(baseline_sales.net_sales, 0) as decimal(18, 2))
            as baseline_net_sales,
        cast(coalesce(enrolled_units.enrolled_count, 0) as integer)
            as enrolled_count,
        cast(coalesce(joined_totals.joined_count, 0) as integer)
            as joined_count,
        cast(coalesce(joined_totals.enrolled_net_sales, 0) as decimal(18, 2))
            as enrolled_net_sales

    from baseline_windows as events
    left join window_sales
        on
            events.event_year = window_sales.event_year
            and events.event_id = window_sales.event_id
    left join baseline_sales
        on
            events.event_year = baseline_sales.event_year
            and events.event_id = baseline_sales.event_id
    left join enrolled_units
        on
            events.event_year = enrolled_units.event_year
            and events.event_id = enrolled_units.event_id
    left join joined_totals
        on
            events.event_year = joined_totals.event_year
            and events.event_id = joined_totals.event_id

),

with_change as (

    select
        *,
        cast(
            case
                when baseline_net_sales > 0
                    then {{ divide_rounded(
                        'net_sales - baseline_net_sales',
                        'baseline_net_sales',
                        4
                    ) }}
            end as decimal(18, 4)
        ) as net_sales_change_rate

    from event_results

)

select * from with_change
