{#
    Functions whose spelling differs between engines. Models call these
    macros, never the DuckDB spelling, so the project can also run on Spark.
#}

{# The first day of the month of a date, as a date. #}
{% macro month_start(date_expression) -%}
    {{ return(adapter.dispatch('month_start')(date_expression)) }}
{%- endmacro %}

{% macro default__month_start(date_expression) -%}
    cast(date_trunc('month', {{ date_expression }}) as date)
{%- endmacro %}

{% macro spark__month_start(date_expression) -%}
    trunc({{ date_expression }}, 'MM')
{%- endmacro %}


{#
    The first code of a list of codes joined by ',' ('' for an empty list).
#}
{% macro first_listed(list_expression) -%}
    {{ return(adapter.dispatch('first_listed')(list_expression)) }}
{%- endmacro %}

{% macro default__first_listed(list_expression) -%}
    split_part({{ list_expression }}, ',', 1)
{%- endmacro %}

{% macro spark__first_listed(list_expression) -%}
    split({{ list_expression }}, ',')[0]
{%- endmacro %}


{#
    Whether a code is one of a list of codes joined by ','. Written with
    plain string operators, which every engine has.
#}
{% macro is_listed(code_expression, list_expression) -%}
    {{ return(adapter.dispatch('is_listed')(
        code_expression, list_expression
    )) }}
{%- endmacro %}

{% macro default__is_listed(code_expression, list_expression) -%}
    (
        ',' || replace({{ list_expression }}, ' ', '') || ','
    ) like ('%,' || {{ code_expression }} || ',%')
{%- endmacro %}


{#
    numerator / denominator rounded half away from zero to `scale` decimals,
    as an exact decimal; null when the denominator is 0.

    DuckDB divides decimals in floating point, so there the quotient is
    taken on whole numbers: both operands are scaled to integers (they must
    have at most 4 decimals, which money and money x quantity have).
#}
{% macro divide_rounded(numerator, denominator, scale) -%}
    {{ return(adapter.dispatch('divide_rounded')(
        numerator, denominator, scale
    )) }}
{%- endmacro %}

{% macro default__divide_rounded(numerator, denominator, scale) -%}
    cast(
        round(
            cast({{ numerator }} as decimal(38, 12))
            / nullif({{ denominator }}, 0),
            {{ scale }}
        ) as decimal(38, {{ scale }})
    )
{%- endmacro %}

{% macro duckdb__divide_rounded(numerator, denominator, scale) -%}
    {%- set n = 'cast((' ~ numerator ~ ') * 10000 as hugeint)' -%}
    {%- set d = 'cast((' ~ denominator ~ ') * 10000 as hugeint)' -%}
    {%- set unit = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    case
        when {{ d }} = 0 then null
        else cast(
            (
                case when ({{ n }} < 0) = ({{ d }} < 0) then 1 else -1 end
                * (
                    (abs({{ n }}) * {{ 10 ** scale }} * 2 + abs({{ d }}))
                    // (2 * abs({{ d }}))
                )
            ) as decimal(38, 0)
        ) * cast({{ unit }} as decimal(38, {{ scale }}))
    end
{%- endmacro %}


{# An expression as text: the engine's string type (varchar, string). #}
{% macro as_text(expression) -%}
    {{ return(adapter.dispatch('as_text')(expression)) }}
{%- endmacro %}

{% macro default__as_text(expression) -%}
    cast({{ expression }} as {{ dbt.type_string() }})
{%- endmacro %}


{# Days from start_date to end_date, by dbt's cross-engine datediff. #}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'day') }}
{%- endmacro %}


{# A date moved by a number of days (an expression or a literal), as a date. #}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days')(date_expression, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}


{#
    Months from one month start to another (both first days of a month),
    by dbt's cross-engine datediff.
#}
{% macro months_between(start_month, end_month) -%}
    {{ return(adapter.dispatch('months_between')(start_month, end_month)) }}
{%- endmacro %}

{% macro default__months_between(start_month, end_month) -%}
    {{ dbt.datediff(start_month, end_month, 'month') }}
{%- endmacro %}


{# A date moved by a number of months (an expression or a literal). #}
{% macro add_months(date_expression, months) -%}
    {{ return(adapter.dispatch('add_months')(date_expression, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expression, months) -%}
    cast({{ dbt.dateadd('month', months, date_expression) }} as date)
{%- endmacro %}
