{#
    No two rows share the same values of `combination_of_columns`: the key
    of a model whose grain spans several columns.
#}
{% test unique_combination(model, combination_of_columns) %}

with

keys as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as row_count

    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

)

select * from keys
where row_count > 1

{% endtest %}
