{#
    Allocated Taobao lines sum exactly to their order's gmv and refund: the
    allocation neither loses nor invents a fen.
#}
{% test lines_sum_to_orders(model, orders) %}

with

order_totals as (

    select
        platform,
        store_id,
        order_id,
        gmv,
        refund

    from {{ orders }}
    where line_id = ''

),

line_totals as (

    select
        platform,
        store_id,
        order_id,
        sum(gmv) as gmv,
        sum(refund) as refund

    from {{ model }}
    where is_allocated
    group by platform, store_id, order_id

),

mismatched as (

    select
        line_totals.platform,
        line_totals.store_id,
        line_totals.order_id,
        order_totals.gmv as order_gmv,
        line_totals.gmv as lines_gmv,
        order_totals.refund as order_refund,
        line_totals.refund as lines_refund

    from line_totals
    left join order_totals
        on
            line_totals.platform = order_totals.platform
            and line_totals.store_id = order_totals.store_id
            and line_totals.order_id = order_totals.order_id
    where
        order_totals.gmv is null
        or line_totals.gmv <> order_totals.gmv
        or line_totals.refund <> order_totals.refund

)

select * from mismatched

{% endtest %}
