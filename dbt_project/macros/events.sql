{#
    Whether a sale counts for an event, its window aside: on one of the
    event's platforms (an empty list means every platform), by a seller of
    the event's place (its county when the plan names one, else its city,
    else anywhere). Unattributed sales have no place.
#}
{% macro sale_meets_event(sales, events) -%}
    (
        {{ events }}.platforms = ''
        or {{ is_listed(sales ~ '.platform', events ~ '.platforms') }}
    )
    and (
        case
            when {{ events }}.county_code is not null
                then {{ sales }}.county_code = {{ events }}.county_code
            when {{ events }}.city_code is not null
                then {{ sales }}.city_code = {{ events }}.city_code
            else true
        end
    )
{%- endmacro %}
