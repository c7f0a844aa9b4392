-- Sales no county can count: the store is in no store registry of the
-- sale's year (unknown_store), its enterprise is in no enterprise registry
-- of that year (unknown_enterprise), or the enterprise's code is not a
-- Sichuan county (unknown_county). Their city is known only in the last
-- case (a prefecture code); every other row has city_code null.

with

sales as (

    select * from {{ ref('fct_sales') }}
    where not is_attributed

),

stores as (

    select * from {{ ref('int_stores_attributed') }}

),

divisions as (

    select * from {{ ref('divisions') }}

),

located_sales as (

    select
        sales.month,
        sales.year,
        stores.registered_city_code as city_code,
        sales.attribution_gap,
        sales.platform,
        sales.store_id,
        sales.gmv,
        sales.refund,
        sales.net_sales

    from sales
    left join stores
        on
            sales.year = stores.year
            and sales.platform = stores.platform
            and sales.store_id = stores.store_id

),

gap_totals as (

    select
        month,
        year,
        city_code,
        attribution_gap,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales,
        count(distinct platform || ':' || store_id) as store_count,
        count(*) as sale_rows

    from located_sales
    group by month, year, city_code, attribution_gap

),

dq_unattributed_sales as (

    select
        gap_totals.month,
        gap_totals.year,
        gap_totals.city_code,
        coalesce(cities.name, '未知') as city_name,
        gap_totals.attribution_gap,
        cast(gap_totals.gmv as decimal(18, 2)) as gmv,
        cast(gap_totals.refund as decimal(18, 2)) as refund,
        cast(gap_totals.net_sales as decimal(18, 2)) as net_sales,
        cast(gap_totals.store_count as integer) as store_count,
        cast(gap_totals.sale_rows as integer) as sale_rows

    from gap_totals
    left join divisions as cities
        on gap_totals.city_code = cities.code

)

select * from dq_unattributed_sales
