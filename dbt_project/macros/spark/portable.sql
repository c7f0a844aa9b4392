{#
    Spark spellings of the portable macros (macros/portable.sql) whose
    default version is not exact or not valid on Spark.
#}

{#
    Spark divides decimals at a reduced scale when the exact quotient would
    need more than 38 digits, and then rounding to `scale` would round twice.
    Here the quotient is taken on whole numbers, as duckdb__divide_rounded
    does: both operands scaled to integers (at most 4 decimals), the half
    added, and the remainder taken off before the one exact division.
#}
{% macro spark__divide_rounded(numerator, denominator, scale) -%}
    {%- set n = 'cast((' ~ numerator ~ ') * 10000 as decimal(38, 0))' -%}
    {%- set d = 'cast((' ~ denominator ~ ') * 10000 as decimal(38, 0))' -%}
    {%- set halved = '(abs(' ~ n ~ ') * ' ~ (10 ** scale * 2) ~ ' + abs(' ~ d ~ '))' -%}
    {%- set whole = '(2 * abs(' ~ d ~ '))' -%}
    {%- set unit = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    case
        when {{ d }} = 0 then null
        else cast(
            (
                case when ({{ n }} < 0) = ({{ d }} < 0) then 1 else -1 end
                * cast(
                    ({{ halved }} - {{ halved }} % {{ whole }}) / {{ whole }}
                    as decimal(38, 0)
                )
            ) as decimal(38, 0)
        ) * cast({{ unit }} as decimal(38, {{ scale }}))
    end
{%- endmacro %}
