-- Registered stores that went quiet: each month of a year without gmv,
-- between the store's first and last month with gmv that year. A month
-- missing there is often a file that never arrived.

with

sales as (

    select * from {{ ref('fct_sales') }}

),

stores as (

    select * from {{ ref('int_stores_attributed') }}

),

-- the offsets 0 to 11 of a month from the first month of a year
month_offsets as (

    {% for offset in range(12) %}
    select {{ offset }} as month_offset
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

active_months as (

    select
        platform,
        store_id,
        year,
        month

    from sales
    group by platform, store_id, year, month
    having sum(gmv) > 0

),

registered_store_spans as (

    select
        active_months.platform,
        active_months.store_id,
        active_months.year,
        stores.store_name,
        stores.credit_code,
        min(active_months.month) as first_month,
        max(active_months.month) as last_month,
        count(*) as active_month_count

    from active_months
    inner join stores
        on
            active_months.platform = stores.platform
            and active_months.store_id = stores.store_id
            and active_months.year = stores.year
    group by
        active_months.platform,
        active_months.store_id,
        active_months.year,
        stores.store_name,
        stores.credit_code

),

spanned_months as (

    select
        registered_store_spans.*,
        {{ add_months(
            'registered_store_spans.first_month',
            'month_offsets.month_offset'
        ) }} as month

    from registered_store_spans
    inner join month_offsets
        on
            month_offsets.month_offset
            <= {{ months_between('first_month', 'last_month') }}

),

missing_months as (

    select
        spanned_months.platform,
        spanned_months.store_id,
        spanned_months.month,
        spanned_months.year,
        spanned_months.store_name,
        spanned_months.credit_code,
        spanned_months.first_month,
        spanned_months.last_month,
        cast(spanned_months.active_month_count as integer)
            as active_month_count

    from spanned_months
    left join active_months
        on
            spanned_months.platform = active_months.platform
            and spanned_months.store_id = active_months.store_id
            and spanned_months.month = active_months.month
    where active_months.month is null

)

select * from missing_months
