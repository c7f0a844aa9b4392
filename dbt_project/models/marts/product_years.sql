with

products as (

    select * from {{ ref('int_products_deduplicated') }}

),

sales as (

    select * from {{ ref('fct_sales') }}

),

product_sales as (

    select
        product_code,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from sales
    where product_code is not null
    group by product_code, year

),

product_years as (

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
            as net_sales

    from products
    left join product_sales
        on
            products.product_code = product_sales.product_code
            and products.year = product_sales.year

)

select * from product_years
