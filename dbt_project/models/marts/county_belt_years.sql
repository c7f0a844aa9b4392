-- The belt mix of each county: its attributed sales split by the belt of
-- each sale (the product's, else the enterprise's first belt). Sales whose
-- product and enterprise name no belt keep belt null, as their own row.

with

sales as (

    select * from {{ ref('fct_sales') }}
    where is_attributed

),

divisions as (

    select * from {{ ref('divisions') }}

),

belts as (

    select * from {{ ref('belts') }}

),

county_belt_sales as (

    select
        county_code,
        year,
        belt,
        city_code,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales,
        count(distinct credit_code) as enterprise_count

    from sales
    group by county_code, year, belt, city_code

),

county_totals as (

    select
        county_code,
        year,
        sum(gmv) as county_gmv

    from county_belt_sales
    group by county_code, year

),

county_belt_years as (

    select
        county_belt_sales.county_code,
        county_belt_sales.year,
        county_belt_sales.belt,
        counties.name as county_name,
        county_belt_sales.city_code,
        belts.belt_name,
        cast(county_belt_sales.gmv as decimal(18, 2)) as gmv,
        cast(county_belt_sales.refund as decimal(18, 2)) as refund,
        cast(county_belt_sales.net_sales as decimal(18, 2)) as net_sales,
        cast(
            {{ divide_rounded(
                'county_belt_sales.gmv', 'county_totals.county_gmv', 4
            ) }} as decimal(9, 4)
        ) as gmv_share,
        cast(county_belt_sales.enterprise_count as integer)
            as enterprise_count

    from county_belt_sales
    inner join county_totals
        on
            county_belt_sales.county_code = county_totals.county_code
            and county_belt_sales.year = county_totals.year
    left join divisions as counties
        on county_belt_sales.county_code = counties.code
    left join belts
        on county_belt_sales.belt = belts.belt

)

select * from county_belt_years
