with

sales as (

    select * from {{ ref('fct_sales') }}

),

stores as (

    select * from {{ ref('int_stores_attributed') }}

),

-- an event counts when the store's enterprise enrolled in it on the
-- store's platform and the store sold in it
event_sales as (

    select * from {{ ref('event_sales') }}
    where is_enrolled

),

sales_totals as (

    select
        platform,
        store_id,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from sales
    group by platform, store_id, year

),

monthly_gmv as (

    select
        platform,
        store_id,
        year,
        month,
        sum(gmv) as gmv

    from sales
    group by platform, store_id, year, month

),

active_months as (

    select
        platform,
        store_id,
        year,
        count(*) as active_months

    from monthly_gmv
    where gmv > 0
    group by platform, store_id, year

),

event_gmv as (

    select
        platform,
        store_id,
        event_year,
        event_id,
        sum(gmv) as gmv

    from event_sales
    group by platform, store_id, event_year, event_id

),

events_joined as (

    select
        platform,
        store_id,
        event_year as year,
        count(*) as events_joined

    from event_gmv
    where gmv > 0
    group by platform, store_id, event_year

),

-- a store has a row in a year when it sold or was registered that year
store_year_keys as (

    select
        platform,
        store_id,
        year
    from sales_totals

    union

    select
        platform,
        store_id,
        year
    from stores

),

store_sales as (

    select
        store_year_keys.platform,
        store_year_keys.store_id,
        store_year_keys.year,
        stores.store_name,
        stores.credit_code,
        stores.enterprise_name,
        stores.county_code,
        stores.city_code,
        cast(coalesce(sales_totals.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(sales_totals.refund, 0) as decimal(18, 2)) as refund,
        cast(coalesce(sales_totals.net_sales, 0) as decimal(18, 2))
            as net_sales,
        cast(coalesce(active_months.active_months, 0) as integer)
            as active_months,
        cast(coalesce(events_joined.events_joined, 0) as integer)
            as events_joined

    from store_year_keys
    left join stores
        on
            store_year_keys.platform = stores.platform
            and store_year_keys.store_id = stores.store_id
            and store_year_keys.year = stores.year
    left join sales_totals
        on
            store_year_keys.platform = sales_totals.platform
            and store_year_keys.store_id = sales_totals.store_id
            and store_year_keys.year = sales_totals.year
    left join active_months
        on
            store_year_keys.platform = active_months.platform
            and store_year_keys.store_id = active_months.store_id
            and store_year_keys.year = active_months.year
    left join events_joined
        on
            store_year_keys.platform = events_joined.platform
            and store_year_keys.store_id = events_joined.store_id
            and store_year_keys.year = events_joined.year

),

with_previous_year as (

    select
        store_sales.*,
        previous_year.net_sales as net_sales_prev_year

    from store_sales
    left join store_sales as previous_year
        on
            store_sales.platform = previous_year.platform
            and store_sales.store_id = previous_year.store_id
            and store_sales.year = previous_year.year + 1

),

store_years as (

    select
        platform,
        store_id,
        year,
        store_name,
        credit_code,
        enterprise_name,
        county_code,
        city_code,
        gmv,
        refund,
        net_sales,
        {{ refund_rate('refund', 'gmv') }} as refund_rate,
        net_sales_prev_year,
        {{ growth_rate('net_sales', 'net_sales_prev_year') }}
            as growth_rate,
        active_months,
        events_joined

    from with_previous_year

)

select * from store_years
