with

divisions as (

    select * from {{ ref('divisions') }}

),

sales as (

    select * from {{ ref('fct_sales') }}

),

enterprise_years as (

    select * from {{ ref('enterprise_years') }}

),

store_years as (

    select * from {{ ref('store_years') }}

),

product_years as (

    select * from {{ ref('product_years') }}

),

counties as (

    select
        counties.code as county_code,
        counties.name as county_name,
        counties.parent_code as city_code,
        cities.name as city_name

    from divisions as counties
    inner join divisions as cities
        on counties.parent_code = cities.code
    where counties.level = 'county'

),

-- every county has a row in each year that has any sales at all
sales_years as (

    select distinct year from sales

),

county_year_keys as (

    select
        counties.county_code,
        sales_years.year,
        counties.county_name,
        counties.city_code,
        counties.city_name

    from counties
    cross join sales_years

),

attributed_sales as (

    select * from sales
    where is_attributed

),

sales_totals as (

    select
        county_code,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from attributed_sales
    group by county_code, year

),

enterprise_counts as (

    select
        county_code,
        year,
        count(*) as enterprise_count

    from enterprise_years
    where gmv > 0
    group by county_code, year

),

store_counts as (

    select
        county_code,
        year,
        count(*) as store_count

    from store_years
    where gmv > 0 and credit_code is not null
    group by county_code, year

),

county_product_sales as (

    select
        county_code,
        year,
        product_code,
        sum(net_sales) as net_sales

    from attributed_sales
    where product_code is not null
    group by county_code, year, product_code

),

-- the 百品 signature product: the county's best-selling registry product
ranked_products as (

    select
        county_code,
        year,
        product_code,
        net_sales,
        row_number() over (
            partition by county_code, year
            order by net_sales desc, product_code asc
        ) as sales_rank

    from county_product_sales
    where net_sales > 0

),

top_products as (

    select
        ranked_products.county_code,
        ranked_products.year,
        ranked_products.product_code,
        product_years.product_name,
        product_years.origin_county_code,
        ranked_products.net_sales

    from ranked_products
    left join product_years
        on
            ranked_products.product_code = product_years.product_code
            and ranked_products.year = product_years.year
    where ranked_products.sales_rank = 1

),

county_sales as (

    select
        county_year_keys.county_code,
        county_year_keys.year,
        county_year_keys.county_name,
        county_year_keys.city_code,
        county_year_keys.city_name,
        cast(coalesce(sales_totals.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(sales_totals.refund, 0) as decimal(18, 2)) as refund,
        cast(coalesce(sales_totals.net_sales, 0) as decimal(18, 2))
            as net_sales,
        cast(coalesce(enterprise_counts.enterprise_count, 0) as integer)
            as enterprise_count,
        cast(coalesce(store_counts.store_count, 0) as integer)
            as store_count,
        top_products.product_code as top_product_code,
        top_products.product_name as top_product_name,
        top_products.origin_county_code as top_product_origin_county_code,
        cast(top_products.net_sales as decimal(18, 2))
            as top_product_net_sales

    from county_year_keys
    left join sales_totals
        on
            county_year_keys.county_code = sales_totals.county_code
            and county_year_keys.year = sales_totals.year
    left join enterprise_counts
        on
            county_year_keys.county_code = enterprise_counts.county_code
            and county_year_keys.year = enterprise_counts.year
    left join store_counts
        on
            county_year_keys.county_code = store_counts.county_code
            and county_year_keys.year = store_counts.year
    left join top_products
        on
            county_year_keys.county_code = top_products.county_code
            and county_year_keys.year = top_products.year

),

-- the previous year has a row only if it had any sales
with_previous_year as (

    select
        county_sales.*,
        previous_year.net_sales as net_sales_prev_year

    from county_sales
    left join county_sales as previous_year
        on
            county_sales.county_code = previous_year.county_code
            and county_sales.year = previous_year.year + 1

),

county_years as (

    select
        county_code,
        year,
        county_name,
        city_code,
        city_name,
        gmv,
        refund,
        net_sales,
        net_sales_prev_year,
        {{ growth_rate('net_sales', 'net_sales_prev_year') }}
            as growth_rate,
        enterprise_count,
        store_count,
        top_product_code,
        top_product_name,
        top_product_origin_county_code,
        top_product_net_sales

    from with_previous_year

)

select * from county_years
