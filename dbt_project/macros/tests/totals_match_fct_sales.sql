{#
    A mart's yearly gmv, refund and net_sales equal those of fct_sales,
    restricted by `fact_filter` (e.g. 'is_attributed' for the marts that
    only count sales attributed to a registered enterprise).
#}
{% test totals_match_fct_sales(model, fact_filter='true') %}

with

mart_totals as (

    select
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from {{ model }}
    group by year

),

fact_totals as (

    select
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from {{ ref('fct_sales') }}
    where {{ fact_filter }}
    group by year

),

compared as (

    select
        coalesce(mart_totals.year, fact_totals.year) as year,
        coalesce(mart_totals.gmv, 0) as mart_gmv,
        coalesce(fact_totals.gmv, 0) as fact_gmv,
        coalesce(mart_totals.refund, 0) as mart_refund,
        coalesce(fact_totals.refund, 0) as fact_refund,
        coalesce(mart_totals.net_sales, 0) as mart_net_sales,
        coalesce(fact_totals.net_sales, 0) as fact_net_sales

    from mart_totals
    full outer join fact_totals
        on mart_totals.year = fact_totals.year

)

select * from compared
where
    mart_gmv <> fact_gmv
    or mart_refund <> fact_refund
    or mart_net_sales <> fact_net_sales

{% endtest %}
