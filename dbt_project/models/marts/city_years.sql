-- Summed from the fact directly, not from county_years, so that the test
-- "county totals sum to city totals" compares two independent paths.

with

divisions as (

    select * from {{ ref('divisions') }}

),

sales as (

    select * from {{ ref('fct_sales') }}

),

cities as (

    select
        code as city_code,
        name as city_name

    from divisions
    where level = 'prefecture'

),

-- every city has a row in each year that has any sales at all
sales_years as (

    select distinct year from sales

),

city_year_keys as (

    select
        cities.city_code,
        sales_years.year,
        cities.city_name

    from cities
    cross join sales_years

),

attributed_sales as (

    select * from sales
    where is_attributed

),

sales_totals as (

    select
        city_code,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales,
        count(distinct credit_code) as enterprise_count

    from attributed_sales
    group by city_code, year

),

county_net_sales as (

    select
        city_code,
        county_code,
        year,
        sum(net_sales) as net_sales

    from attributed_sales
    group by city_code, county_code, year

),

county_counts as (

    select
        city_code,
        year,
        count(*) as county_count

    from county_net_sales
    where net_sales > 0
    group by city_code, year

),

city_sales as (

    select
        city_year_keys.city_code,
        city_year_keys.year,
        city_year_keys.city_name,
        cast(coalesce(sales_totals.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(sales_totals.refund, 0) as decimal(18, 2)) as refund,
        cast(coalesce(sales_totals.net_sales, 0) as decimal(18, 2))
            as net_sales,
        cast(coalesce(sales_totals.enterprise_count, 0) as integer)
            as enterprise_count,
        cast(coalesce(county_counts.county_count, 0) as integer)
            as county_count

    from city_year_keys
    left join sales_totals
        on
            city_year_keys.city_code = sales_totals.city_code
            and city_year_keys.year = sales_totals.year
    left join county_counts
        on
            city_year_keys.city_code = county_counts.city_code
            and city_year_keys.year = county_counts.year

),

with_previous_year as (

    select
        city_sales.*,
        previous_year.net_sales as net_sales_prev_year

    from city_sales
    left join city_sales as previous_year
        on
            city_sales.city_code = previous_year.city_code
            and city_sales.year = previous_year.year + 1

),

city_years as (

    select
        city_code,
        year,
        city_name,
        gmv,
        refund,
        net_sales,
        {{ refund_rate('refund', 'gmv') }} as refund_rate,
        net_sales_prev_year,
        {{ growth_rate('net_sales', 'net_sales_prev_year') }}
            as growth_rate,
        enterprise_count,
        county_count

    from with_previous_year

)

select * from city_years
