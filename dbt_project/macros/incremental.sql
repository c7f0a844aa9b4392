{#
    The fact path's line-level models (latest load per key, Taobao
    allocation, order lines summed to store x product x day) take only what
    newer loads brought: on DuckDB they are incremental tables. Spark
    rebuilds them as plain tables (its Parquet tables take no DELETE), which
    the same SQL does when is_incremental() is false.
#}
{% macro fact_path_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}


{#
    Whether a raw row's load is covered by this build. warehouse/dbt.py
    passes the newest load_id as the var through_load_id when the build
    starts, so a load landing while dbt runs waits for the next build in
    every model alike (a model that saw it and one that did not would
    disagree on what is new). Without the var (dbt run by hand) every
    loaded row is covered.
#}
{% macro is_covered_load(load_id_column='load_id') -%}
    {%- set through = var('through_load_id', none) -%}
    {%- if through is none -%}
        true
    {%- else -%}
        {{ load_id_column }} <= {{ through }}
    {%- endif -%}
{%- endmacro %}


{#
    The newest load already built into this incremental table, -1 when it
    is empty. Loads are numbered in the order they are committed, so every
    row of a newer number is new to the table. It is read when the model
    is compiled, just before it runs, and written into the SQL as a number:
    DuckDB then skips the row groups of older loads and sizes its joins by
    the few new rows (with the number behind a subquery it hashed the whole
    history of raw order lines).
#}
{% macro newest_load_built(load_id_column='load_id') -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query(
            'select coalesce(max(' ~ load_id_column ~ '), -1) from ' ~ this
        ) -%}
        {{- return(found.columns[0].values()[0]) -}}
    {%- endif -%}
    {{- return(-1) -}}
{%- endmacro %}


{#
    The rows of `rows` to rank by latest load. A full build takes them all;
    an incremental build only the rows of loads newer than the table: a
    newer load always wins its keys (loads are numbered in commit order),
    so ranking the new rows among themselves gives each key they touch its
    winner, and delete+insert replaces that key's row. Earlier loads need
    not be read again.
#}
{% macro rows_of_new_loads(rows) -%}
    select * from {{ rows }}
    {%- if is_incremental() %}
    where load_id > {{ newest_load_built() }}
    {%- endif %}
{%- endmacro %}


{#
    Incremental strategy replace_keys (config unique_key: the replaced key,
    placeholder_where: which new rows only mark a key). Every key present in
    the new rows replaces all the table's rows of that key; placeholder rows
    are not inserted, so a key whose new rows are all placeholders leaves
    the table. delete+insert cannot express that: it deletes only keys that
    have new rows, and a store-day whose sales a re-export moved away has
    none.
#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set placeholder_where = config.get('placeholder_where') -%}
    {%- if keys is none or placeholder_where is none -%}
        {{ exceptions.raise_compiler_error(
            'replace_keys needs unique_key and placeholder_where in the '
            ~ 'model config'
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')
    ) -%}
    delete from {{ target }} as replaced
    using (
        select distinct {{ keys | join(', ') }} from {{ source }}
    ) as replacing
    where
    {%- for key in keys %}
        replaced.{{ key }} = replacing.{{ key }}
        {{- ' and' if not loop.last }}
    {%- endfor %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where not ({{ placeholder_where }})
{%- endmacro %}
