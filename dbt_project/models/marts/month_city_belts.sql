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

month_city_belt_sales as (

    select
        month,
        year,
        city_code,
        belt,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales,
        count(distinct credit_code) as enterprise_count

    from sales
    group by month, year, city_code, belt

),

named as (

    select
        month_city_belt_sales.month,
        month_city_belt_sales.year,
        month_city_belt_sales.city_code,
        cities.name as city_name,
        month_city_belt_sales.belt,
        belts.belt_name,
        cast(month_city_belt_sales.gmv as decimal(18, 2)) as gmv,
        cast(month_city_belt_sales.refund as decimal(18, 2)) as refund,
        cast(month_city_belt_sales.net_sales as decimal(18, 2)) as net_sales,
        cast(month_city_belt_sales.enterprise_count as integer)
            as enterprise_count

    from month_city_belt_sales
    left join divisions as cities
        on month_city_belt_sales.city_code = cities.code
    left join belts
        on month_city_belt_sales.belt = belts.belt

)

select * from named
