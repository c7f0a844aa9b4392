{# Rows where any of `columns` is null: every part of a key must be set. #}
{% test not_null_combination(model, columns) %}

select * from {{ model }}
where
    {% for column in columns -%}
    {{ column }} is null{% if not loop.last %} or {% endif %}
    {%- endfor %}

{% endtest %}
