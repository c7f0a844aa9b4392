with

streamer_sales as (

    select * from {{ ref('int_streamer_sales_aggregated') }}

),

streamers as (

    select * from {{ ref('int_streamers_deduplicated') }}

),

enterprises as (

    select * from {{ ref('int_enterprises_deduplicated') }}

),

stores as (

    select * from {{ ref('int_stores_attributed') }}

),

events as (

    select * from {{ ref('int_events_deduplicated') }}

),

dated_sales as (

    select
        platform,
        store_id,
        streamer_id,
        sale_date,
        cast(extract(year from sale_date) as integer) as year,
        {{ month_start('sale_date') }} as month,
        gmv,
        refund

    from streamer_sales

),

sales_totals as (

    select
        platform,
        streamer_id,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        count(distinct store_id) as store_count

    from dated_sales
    group by platform, streamer_id, year

),

monthly_gmv as (

    select
        platform,
        streamer_id,
        year,
        month,
        sum(gmv) as gmv

    from dated_sales
    group by platform, streamer_id, year, month

),

active_months as (

    select
        platform,
        streamer_id,
        year,
        count(*) as active_months

    from monthly_gmv
    where gmv > 0
    group by platform, streamer_id, year

),

-- the seller's place decides, as in event_sales: a streamer joins an event
-- when it carried gmv > 0 in the window for a store of the event's place
placed_sales as (

    select
        dated_sales.platform,
        dated_sales.streamer_id,
        dated_sales.sale_date,
        dated_sales.gmv,
        stores.county_code,
        stores.city_code

    from dated_sales
    left join stores
        on
            dated_sales.platform = stores.platform
            and dated_sales.store_id = stores.store_id
            and dated_sales.year = stores.year

),

event_gmv as (

    select
        placed_sales.platform,
        placed_sales.streamer_id,
        events.year,
        events.event_id,
        sum(placed_sales.gmv) as gmv

    from placed_sales
    inner join events
        on
            placed_sales.sale_date >= events.start_date
            and placed_sales.sale_date <= events.end_date
            and {{ sale_meets_event('placed_sales', 'events') }}
    group by
        placed_sales.platform,
        placed_sales.streamer_id,
        events.year,
        events.event_id

),

events_joined as (

    select
        platform,
        streamer_id,
        year,
        count(*) as events_joined

    from event_gmv
    where gmv > 0
    group by platform, streamer_id, year

),

-- a streamer has a row in a year when it sold or was registered that year
streamer_year_keys as (

    select
        platform,
        streamer_id,
        year
    from sales_totals

    union

    select
        platform,
        streamer_id,
        year
    from streamers

),

streamer_totals as (

    select
        streamer_year_keys.platform,
        streamer_year_keys.streamer_id,
        streamer_year_keys.year,
        streamers.streamer_name,
        streamers.agency_credit_code,
        enterprises.enterprise_name as agency_name,
        streamers.streamer_id is not null as is_registered,
        cast(coalesce(sales_totals.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(sales_totals.refund, 0) as decimal(18, 2)) as refund,
        cast(
            coalesce(sales_totals.gmv, 0) - coalesce(sales_totals.refund, 0)
            as decimal(18, 2)
        ) as net_sales,
        cast(coalesce(active_months.active_months, 0) as integer)
            as active_months,
        cast(coalesce(events_joined.events_joined, 0) as integer)
            as events_joined,
        cast(coalesce(sales_totals.store_count, 0) as integer)
            as store_count

    from streamer_year_keys
    left join streamers
        on
            streamer_year_keys.platform = streamers.platform
            and streamer_year_keys.streamer_id = streamers.streamer_id
            and streamer_year_keys.year = streamers.year
    left join enterprises
        on
            streamers.agency_credit_code = enterprises.credit_code
            and streamers.year = enterprises.year
    left join sales_totals
        on
            streamer_year_keys.platform = sales_totals.platform
            and streamer_year_keys.streamer_id = sales_totals.streamer_id
            and streamer_year_keys.year = sales_totals.year
    left join active_months
        on
            streamer_year_keys.platform = active_months.platform
            and streamer_year_keys.streamer_id = active_months.streamer_id
            and streamer_year_keys.year = active_months.year
    left join events_joined
        on
            streamer_year_keys.platform = events_joined.platform
            and streamer_year_keys.streamer_id = events_joined.streamer_id
            and streamer_year_keys.year = events_joined.year

),

with_previous_year as (

    select
        streamer_totals.*,
        previous_year.net_sales as net_sales_prev_year

    from streamer_totals
    left join streamer_totals as previous_year
        on
            streamer_totals.platform = previous_year.platform
            and streamer_totals.streamer_id = previous_year.streamer_id
            and streamer_totals.year = previous_year.year + 1

),

streamer_years as (

    select
        platform,
        streamer_id,
        year,
        streamer_name,
        agency_credit_code,
        agency_name,
        is_registered,
        gmv,
        refund,
        net_sales,
        {{ refund_rate('refund', 'gmv') }} as refund_rate,
        net_sales_prev_year,
        {{ growth_rate('net_sales', 'net_sales_prev_year') }}
            as growth_rate,
        active_months,
        events_joined,
        store_count

    from with_previous_year

)

select * from streamer_years
