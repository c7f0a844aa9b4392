{#
    The model's gmv, refund and net_sales summed by `group_columns` equal
    those of `parent` at that grain: counties sum to their city, a
    county's belts to the county. A group on one side only must be zero
    on the other.
#}
{% test sums_to_parent(model, parent, group_columns) %}

with

child_totals as (

    select
        {{ group_columns | join(',\n        ') }},
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from {{ model }}
    group by {{ group_columns | join(', ') }}

),

parent_totals as (

    select
        {{ group_columns | join(',\n        ') }},
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from {{ parent }}
    group by {{ group_columns | join(', ') }}

),

compared as (

    select
        {% for column in group_columns -%}
        coalesce(child_totals.{{ column }}, parent_totals.{{ column }})
            as {{ column }},
        {% endfor -%}
        coalesce(child_totals.gmv, 0) as child_gmv,
        coalesce(parent_totals.gmv, 0) as parent_gmv,
        coalesce(child_totals.refund, 0) as child_refund,
        coalesce(parent_totals.refund, 0) as parent_refund,
        coalesce(child_totals.net_sales, 0) as child_net_sales,
        coalesce(parent_totals.net_sales, 0) as parent_net_sales

    from child_totals
    full outer join parent_totals
        on
            {% for column in group_columns -%}
            child_totals.{{ column }} = parent_totals.{{ column }}
            {%- if not loop.last %} and {% endif %}
            {% endfor %}

)

select * from compared
where
    child_gmv <> parent_gmv
    or child_refund <> parent_refund
    or child_net_sales <> parent_net_sales

{% endtest %}
