{#
    The two rates every year mart carries, spelled once.
    refund_rate: refund / gmv, null when nothing was paid.
    growth_rate: change of net sales on the previous year, null when the previous
    year is unknown or not positive (growth from nothing is not a rate).
#}

{% macro refund_rate(refund, gmv) %}
    cast({{ divide_rounded(refund, gmv, 4) }} as decimal(9, 4))
{% endmacro %}

{% macro growth_rate(current, previous) %}
    cast(
        case
            when {{ previous }} > 0
                then {{ divide_rounded(
                    current ~ ' - ' ~ previous, previous, 4
                ) }}
        end as decimal(18, 4)
    )
{% endmacro %}
