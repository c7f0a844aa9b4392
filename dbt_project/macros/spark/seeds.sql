{#
    Seed rows written as literals on Spark. dbt-spark's session connection
    binds each value as the quoted text of its Python value, so an empty
    cell arrives as the string 'None' instead of null (the province's
    parent_code in divisions.csv). Here an empty cell is null and text is
    escaped for Spark's string literals.
#}
{% macro spark__load_csv_rows(model, agate_table) %}

    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}

    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(
                        agate_table, loop.index0
                    ) -%}
                    {%- set type = column_override.get(col_name, inferred_type) -%}
                    {{ spark_seed_literal(row[loop.index0], type) }}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}

        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}

        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}

    {{ return(statements[0]) }}

{% endmacro %}


{% macro spark_seed_literal(value, type) -%}
    {%- if value is none -%}
        cast(null as {{ type }})
    {%- else -%}
        {%- set text = (value | string).replace('\\', '\\\\').replace("'", "\\'") -%}
        cast('{{ text }}' as {{ type }})
    {%- endif -%}
{%- endmacro %}
