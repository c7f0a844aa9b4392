with

products as (

    select * from {{ ref('int_products_deduplicated') }}

),

sales as (

    select * from {{ ref('fct_sales') }}
    where product_code is not null

),

-- an event counts when the seller enrolled in it and the product sold in it
event_sales as (

    select * from {{ ref('event_sales') }}
    where product_code is not null and is_enrolled

),

product_sales as (

    select
        product_code,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from sales
    group by product_code, year

),

monthly_gmv as (

    select
        product_code,
        year,
        month,
        sum(gmv) as gmv

    from sales
    group by product_code, year, month

),

active_months as (

    select
        product_code,
        year,
        count(*) as active_months

    from monthly_gmv
    where gmv > 0
    group by product_code, year

),

event_gmv as (

    select
        product_code,
        event_year,
        event_id,
        sum(gmv) as gmv

    from event_sales
    group by product_code, event_year, event_id

),

events_joined as (

    select
        product_code,
        event_year as year,
        count(*) as events_joined

    from event_gmv
    where gmv > 0
    group by product_code, event_year

),

product_totals as (

    select
        products.product_code,
        products.year,
        products.product_name,
        products.belt,
        products.origin_county_code,
        products.is_gi,
        products.credit_code,
        cast(coalesce(product_sales.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(product_sales.refund, 0) as decimal(18, 2)) as refund,
        cast(coalesce(product_sales.net_sales, 0) as decimal(18, 2))
            as net_sales,
        cast(coalesce(active_months.active_months, 0) as integer)
            as active_months,
        cast(coalesce(events_joined.events_joined, 0) as integer)
            as events_joined

    from products
    left join product_sales
        on
            products.product_code = product_sales.product_code
            and products.year = product_sales.year
    left join active_months
        on
            products.product_code = active_months.product_code
            and products.year = active_months.year
    left join events_joined
        on
            products.product_code = events_joined.product_code
            and products.year = events_joined.year

),

-- the previous year counts only if the product was registered then
with_previous_year as (

    select
        product_totals.*,
        previous_year.net_sales as net_sales_prev_year

    from product_totals
    left join product_totals as previous_year
        on
            product_totals.product_code = previous_year.product_code
            and product_totals.year = previous_year.year + 1

),

product_years as (

    select
        product_code,
        year,
        product_name,
        belt,
        origin_county_code,
        is_gi,
        credit_code,
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

select * from product_years
