{#
    Rank rows of one natural key so that the latest load comes first.
    A re-export replaces earlier rows of the same key; within one load the
    last row of the file wins. Keep rows where the rank is 1.
#}
{% macro latest_load_rank(key_columns) -%}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by load_id desc, source_row desc
    )
{%- endmacro %}
