with

enterprises as (

    select * from {{ ref('int_enterprises_deduplicated') }}

),

divisions as (

    select * from {{ ref('divisions') }}

),

sales as (

    select * from {{ ref('fct_sales') }}
    where is_attributed

),

stores as (

    select * from {{ ref('int_stores_deduplicated') }}

),

product_years as (

    select * from {{ ref('product_years') }}

),

-- an event counts when the enterprise enrolled in it and sold in it
event_sales as (

    select * from {{ ref('event_sales') }}
    where is_enrolled

),

sales_totals as (

    select
        credit_code,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from sales
    group by credit_code, year

),

monthly_gmv as (

    select
        credit_code,
        year,
        month,
        sum(gmv) as gmv

    from sales
    group by credit_code, year, month

),

active_months as (

    select
        credit_code,
        year,
        count(*) as active_months

    from monthly_gmv
    where gmv > 0
    group by credit_code, year

),

store_counts as (

    select
        credit_code,
        year,
        count(*) as store_count

    from stores
    group by credit_code, year

),

products_with_sales as (

    select
        credit_code,
        year,
        count(*) as products_with_sales,
        sum(case when is_gi then 1 else 0 end) as gi_products_with_sales

    from product_years
    where net_sales > 0
    group by credit_code, year

),

event_gmv as (

    select
        credit_code,
        event_year,
        event_id,
        sum(gmv) as gmv

    from event_sales
    group by credit_code, event_year, event_id

),

events_joined as (

    select
        credit_code,
        event_year as year,
        count(*) as events_joined

    from event_gmv
    where gmv > 0
    group by credit_code, event_year

),

enterprise_sales as (

    select
        enterprises.credit_code,
        enterprises.year,
        enterprises.enterprise_name,
        enterprises.enterprise_type,
        enterprises.county_code,
        counties.name as county_name,
        counties.parent_code as city_code,
        cities.name as city_name,
        enterprises.belts,
        enterprises.demonstration_kind,
        enterprises.demonstration_kind is not null as is_demonstration,
        enterprises.first_year,
        enterprises.is_time_honoured,
        enterprises.is_focused,
        cast(coalesce(sales_totals.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(sales_totals.refund, 0) as decimal(18, 2)) as refund,
        cast(coalesce(sales_totals.net_sales, 0) as decimal(18, 2))
            as net_sales,
        cast(coalesce(active_months.active_months, 0) as integer)
            as active_months,
        cast(coalesce(store_counts.store_count, 0) as integer)
            as store_count,
        cast(
            coalesce(products_with_sales.products_with_sales, 0) as integer
        ) as products_with_sales,
        cast(
            coalesce(products_with_sales.gi_products_with_sales, 0)
            as integer
        ) as gi_products_with_sales,
        cast(coalesce(events_joined.events_joined, 0) as integer)
            as events_joined

    from enterprises
    left join divisions as counties
        on enterprises.county_code = counties.code
    left join divisions as cities
        on counties.parent_code = cities.code
    left join sales_totals
        on
            enterprises.credit_code = sales_totals.credit_code
            and enterprises.year = sales_totals.year
    left join active_months
        on
            enterprises.credit_code = active_months.credit_code
            and enterprises.year = active_months.year
    left join store_counts
        on
            enterprises.credit_code = store_counts.credit_code
            and enterprises.year = store_counts.year
    left join products_with_sales
        on
            enterprises.credit_code = products_with_sales.credit_code
            and enterprises.year = products_with_sales.year
    left join events_joined
        on
            enterprises.credit_code = events_joined.credit_code
            and enterprises.year = events_joined.year

),

-- the previous year counts only if the enterprise was registered then
with_previous_year as (

    select
        enterprise_sales.*,
        previous_year.net_sales as net_sales_prev_year

    from enterprise_sales
    left join enterprise_sales as previous_year
        on
            enterprise_sales.credit_code = previous_year.credit_code
            and enterprise_sales.year = previous_year.year + 1

),

enterprise_years as (

    select
        credit_code,
        year,
        enterprise_name,
        enterprise_type,
        county_code,
        county_name,
        city_code,
        city_name,
        belts,
        demonstration_kind,
        is_demonstration,
        first_year,
        is_time_honoured,
        is_focused,
        gmv,
        refund,
        net_sales,
        {{ refund_rate('refund', 'gmv') }} as refund_rate,
        net_sales_prev_year,
        {{ growth_rate('net_sales', 'net_sales_prev_year') }}
            as growth_rate,
        active_months,
        store_count,
        products_with_sales,
        gi_products_with_sales,
        events_joined

    from with_previous_year

)

select * from enterprise_years
