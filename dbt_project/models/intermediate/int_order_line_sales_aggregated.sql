-- Order lines summed to the fact's grain: store x product x day of payment.
-- paid_at is already Beijing time, so its date is the sale date. Lines
-- never paid (no paid_at) have no sale date and are not sales.
-- An incremental build sums again only the store-days an order changed by
-- a newer load was ever paid on, in any of its loads: a re-export may move
-- an order to another day, or leave it unpaid, and its old day must lose
-- it. A store-day left with no sales at all comes out as a placeholder row
-- (product_id null), which the replace_keys strategy does not insert.
-- The raw order lines are read only then, so dbt is told of them here:
-- depends_on: {{ ref('stg_raw__order_lines') }}

{{
    config(
        materialized=fact_path_materialization(),
        incremental_strategy='replace_keys',
        unique_key=['platform', 'store_id', 'sale_date'],
        placeholder_where='product_id is null',
    )
}}

with

sale_lines as (

    select * from {{ ref('int_order_lines_allocated') }}

),
{% if is_incremental() %}
-- read apart from sale_lines: DuckDB would materialise a CTE read twice,
-- the whole history of lines
sale_line_changes as (

    select * from {{ ref('int_order_lines_allocated') }}

),

order_line_loads as (

    select * from {{ ref('stg_raw__order_lines') }}

),

changed_orders as (

    select distinct
        platform,
        store_id,
        order_id

    from sale_line_changes
    where source_load_id > {{ newest_load_built('source_load_id') }}

),

changed_days as (

    select distinct
        order_line_loads.platform,
        order_line_loads.store_id,
        cast(order_line_loads.paid_at as date) as sale_date

    from order_line_loads
    inner join changed_orders
        on
            order_line_loads.platform = changed_orders.platform
            and order_line_loads.store_id = changed_orders.store_id
            and order_line_loads.order_id = changed_orders.order_id
    where order_line_loads.paid_at is not null

),

lines_to_sum as (

    select sale_lines.*

    from sale_lines
    inner join changed_days
        on
            sale_lines.platform = changed_days.platform
            and sale_lines.store_id = changed_days.store_id
            and cast(sale_lines.paid_at as date) = changed_days.sale_date

),
{% else %}
lines_to_sum as (

    select * from sale_lines

),
{% endif %}
paid_lines as (

    select
        platform,
        store_id,
        coalesce(product_id, '') as product_id,
        cast(paid_at as date) as sale_date,
        gmv,
        refund,
        coalesce(quantity, 0) as quantity,
        source_load_id

    from lines_to_sum
    where paid_at is not null

),

store_product_days as (

    select
        platform,
        store_id,
        product_id,
        sale_date,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(quantity) as quantity,
        count(*) as line_count,
        max(source_load_id) as source_load_id

    from paid_lines
    group by platform, store_id, product_id, sale_date

),
{% if is_incremental() %}
emptied_days as (

    select
        changed_days.platform,
        changed_days.store_id,
        {{ as_text('null') }} as product_id,
        changed_days.sale_date,
        cast(null as decimal(38, 2)) as gmv,
        cast(null as decimal(38, 2)) as refund,
        cast(null as bigint) as quantity,
        cast(0 as bigint) as line_count,
        cast(null as bigint) as source_load_id

    from changed_days
    left join store_product_days
        on
            changed_days.platform = store_product_days.platform
            and changed_days.store_id = store_product_days.store_id
            and changed_days.sale_date = store_product_days.sale_date
    where store_product_days.sale_date is null

),

summed_days as (

    select * from store_product_days
    union all
    select * from emptied_days

)
{% else %}
summed_days as (

    select * from store_product_days

)
{% endif %}
select * from summed_days
