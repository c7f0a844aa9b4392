with

sales as (

    select * from {{ ref('int_sales_unioned') }}

),

stores as (

    select * from {{ ref('int_stores_attributed') }}

),

product_items as (

    select * from {{ ref('int_product_items_deduplicated') }}

),

products as (

    select * from {{ ref('int_products_deduplicated') }}

),

dated_sales as (

    select
        sale_date,
        cast(extract(year from sale_date) as integer) as year,
        {{ month_start('sale_date') }} as month,
        platform,
        store_id,
        product_id,
        gmv,
        refund,
        quantity,
        source_grain

    from sales

),

-- attribution follows the registries of the sale's own year
attributed_sales as (

    select
        dated_sales.sale_date,
        dated_sales.year,
        dated_sales.month,
        dated_sales.platform,
        dated_sales.store_id,
        dated_sales.product_id,
        product_items.product_code,
        stores.credit_code,
        stores.county_code,
        stores.city_code,
        coalesce(products.belt, stores.enterprise_first_belt) as belt,
        cast(dated_sales.gmv as decimal(18, 2)) as gmv,
        cast(dated_sales.refund as decimal(18, 2)) as refund,
        cast(dated_sales.gmv - dated_sales.refund as decimal(18, 2))
            as net_sales,
        cast(dated_sales.quantity as bigint) as quantity,
        dated_sales.source_grain,
        coalesce(stores.is_attributed, false) as is_attributed,
        case
            when stores.store_id is null then 'unknown_store'
            else stores.attribution_gap
        end as attribution_gap

    from dated_sales
    left join stores
        on
            dated_sales.year = stores.year
            and dated_sales.platform = stores.platform
            and dated_sales.store_id = stores.store_id
    left join product_items
        on
            dated_sales.year = product_items.year
            and dated_sales.platform = product_items.platform
            and dated_sales.store_id = product_items.store_id
            and dated_sales.product_id = product_items.item_id
    left join products
        on
            product_items.year = products.year
            and product_items.product_code = products.product_code

)

select * from attributed_sales
