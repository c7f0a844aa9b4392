-- Taobao order exports give one row per order (line_id ''); the item report
-- gives its lines at list prices. The order's paid amount and refund are
-- shared over its lines pro rata to list price x quantity, the rounding
-- remainder on the last line, so lines sum to the order to the fen.
-- Other platforms may export one order both per order (line_id '') and
-- per line (Douyin 订单维度 and 商品维度): its lines count, its order
-- row does not.
-- Everything here happens within one order (platform, store_id, order_id),
-- so an incremental build shares again only the orders whose order or item
-- lines a newer load changed, and replaces those orders' rows.

{{
    config(
        materialized=fact_path_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['platform', 'store_id', 'order_id'],
    )
}}

with

all_order_lines as (

    select * from {{ ref('int_order_lines_deduplicated') }}

),

all_item_lines as (

    select * from {{ ref('int_item_lines_deduplicated') }}

),
{% if is_incremental() %}
-- read apart from all_order_lines and all_item_lines: DuckDB would
-- materialise a CTE read twice, the whole history of lines
order_line_changes as (

    select * from {{ ref('int_order_lines_deduplicated') }}

),

item_line_changes as (

    select * from {{ ref('int_item_lines_deduplicated') }}

),

changed_orders as (

    select
        platform,
        store_id,
        order_id

    from order_line_changes
    where load_id > {{ newest_load_built('source_load_id') }}

    union

    select
        platform,
        store_id,
        order_id

    from item_line_changes
    where load_id > {{ newest_load_built('source_load_id') }}

),

order_lines as (

    select all_order_lines.*

    from all_order_lines
    inner join changed_orders
        on
            all_order_lines.platform = changed_orders.platform
            and all_order_lines.store_id = changed_orders.store_id
            and all_order_lines.order_id = changed_orders.order_id

),

item_lines as (

    select all_item_lines.*

    from all_item_lines
    inner join changed_orders
        on
            all_item_lines.platform = changed_orders.platform
            and all_item_lines.store_id = changed_orders.store_id
            and all_item_lines.order_id = changed_orders.order_id

),
{% else %}
order_lines as (

    select * from all_order_lines

),

item_lines as (

    select * from all_item_lines

),
{% endif %}

taobao_orders as (

    select * from order_lines
    where line_id = '' and layout like 'taobao%'

),

item_amounts as (

    select
        platform,
        store_id,
        order_id,
        line_no,
        product_id,
        product_name,
        quantity,
        load_id,
        coalesce(unit_price, 0) * coalesce(quantity, 0) as list_amount

    from item_lines

),

order_list_amounts as (

    select
        platform,
        store_id,
        order_id,
        sum(list_amount) as order_list_amount,
        count(*) as line_count,
        max(line_no) as last_line_no,
        max(load_id) as item_load_id

    from item_amounts
    group by platform, store_id, order_id

),

-- an order whose lines all show no price is shared equally over its lines
line_weights as (

    select
        item_amounts.platform,
        item_amounts.store_id,
        item_amounts.order_id,
        item_amounts.line_no,
        item_amounts.product_id,
        item_amounts.product_name,
        item_amounts.quantity,
        case
            when order_list_amounts.order_list_amount = 0 then 1
            else item_amounts.list_amount
        end as weight,
        case
            when order_list_amounts.order_list_amount = 0
                then order_list_amounts.line_count
            else order_list_amounts.order_list_amount
        end as total_weight,
        item_amounts.line_no = order_list_amounts.last_line_no
            as is_last_line,
        order_list_amounts.item_load_id

    from item_amounts
    inner join order_list_amounts
        on
            item_amounts.platform = order_list_amounts.platform
            and item_amounts.store_id = order_list_amounts.store_id
            and item_amounts.order_id = order_list_amounts.order_id

),

line_shares as (

    select
        taobao_orders.load_id,
        taobao_orders.source_file,
        taobao_orders.source_row,
        taobao_orders.layout,
        taobao_orders.platform,
        taobao_orders.store_id,
        taobao_orders.order_id,
        {{ as_text('line_weights.line_no') }} as line_id,
        line_weights.product_id,
        line_weights.product_name,
        line_weights.quantity,
        taobao_orders.paid_at,
        taobao_orders.order_status,
        taobao_orders.refund_status,
        taobao_orders.gmv as order_gmv,
        taobao_orders.refund as order_refund,
        taobao_orders.streamer_id,
        taobao_orders.channel,
        line_weights.is_last_line,
        greatest(taobao_orders.load_id, line_weights.item_load_id)
            as source_load_id,
        {{ divide_rounded(
            'taobao_orders.gmv * line_weights.weight',
            'line_weights.total_weight',
            2
        ) }} as gmv_share,
        {{ divide_rounded(
            'taobao_orders.refund * line_weights.weight',
            'line_weights.total_weight',
            2
        ) }} as refund_share

    from taobao_orders
    inner join line_weights
        on
            taobao_orders.platform = line_weights.platform
            and taobao_orders.store_id = line_weights.store_id
            and taobao_orders.order_id = line_weights.order_id

),

-- the last line takes what the other lines' rounded shares leave
allocated_lines as (

    select
        load_id,
        source_file,
        source_row,
        layout,
        platform,
        store_id,
        order_id,
        line_id,
        product_id,
        product_name,
        quantity,
        paid_at,
        order_status,
        refund_status,
        cast(
            case
                when is_last_line
                    then order_gmv - (
                        sum(gmv_share) over (
                            partition by platform, store_id, order_id
                        ) - gmv_share
                    )
                else gmv_share
            end as decimal(18, 2)
        ) as gmv,
        cast(
            case
                when is_last_line
                    then order_refund - (
                        sum(refund_share) over (
                            partition by platform, store_id, order_id
                        ) - refund_share
                    )
                else refund_share
            end as decimal(18, 2)
        ) as refund,
        streamer_id,
        channel,
        true as is_allocated,
        source_load_id

    from line_shares

),

orders_with_lines as (

    select distinct
        platform,
        store_id,
        order_id

    from order_lines
    where line_id <> ''

),

-- every other order line, and Taobao orders that have no item lines
unallocated_lines as (

    select
        order_lines.load_id,
        order_lines.source_file,
        order_lines.source_row,
        order_lines.layout,
        order_lines.platform,
        order_lines.store_id,
        order_lines.order_id,
        order_lines.line_id,
        order_lines.product_id,
        order_lines.product_name,
        order_lines.quantity,
        order_lines.paid_at,
        order_lines.order_status,
        order_lines.refund_status,
        order_lines.gmv,
        order_lines.refund,
        order_lines.streamer_id,
        order_lines.channel,
        false as is_allocated,
        order_lines.load_id as source_load_id

    from order_lines
    left join order_list_amounts
        on
            order_lines.platform = order_list_amounts.platform
            and order_lines.store_id = order_list_amounts.store_id
            and order_lines.order_id = order_list_amounts.order_id
            and order_lines.line_id = ''
            and order_lines.layout like 'taobao%'
    left join orders_with_lines
        on
            order_lines.platform = orders_with_lines.platform
            and order_lines.store_id = orders_with_lines.store_id
            and order_lines.order_id = orders_with_lines.order_id
            and order_lines.line_id = ''
    where
        order_list_amounts.order_id is null
        and orders_with_lines.order_id is null

),

sale_lines as (

    select * from allocated_lines
    union all
    select * from unallocated_lines

)

select * from sale_lines
