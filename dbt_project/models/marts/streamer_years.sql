with

streamer_sales as (

    select * from {{ ref('int_streamer_sales_aggregated') }}

),

streamers as (

    select * from {{ ref('int_streamers_deduplicated') }}

),

enterprises as (

    select * from {{ ref('int_enterprises_deduplicated') }}

),

dated_sales as (

    select
        platform,
        store_id,
        streamer_id,
        cast(extract(year from sale_date) as integer) as year,
        {{ month_start('sale_date') }} as month,
        gmv,
        refund

    from streamer_sales

),

sales_totals as (

    select
        platform,
        streamer_id,
        year,
        sum(gmv) as gmv,
        sum(refund) as refund,
        count(distinct store_id) as store_count

    from dated_sales
    group by platform, streamer_id, year

),

monthly_gmv as (

    select
        platform,
        streamer_id,
        year,
        month,
        sum(gmv) as gmv

    from dated_sales
    group by platform, streamer_id, year, month

),

active_months as (

    select
        platform,
        streamer_id,
        year,
        count(*) as active_months

    from monthly_gmv
    where gmv > 0
    group by platform, streamer_id, year

),

-- a streamer has a row in a year when it sold or was registered that year
streamer_year_keys as (

    select
        platform,
        streamer_id,
        year
    from sales_totals

    union

    select
        platform,
        streamer_id,
        year
    from streamers

),

streamer_years as (

    select
        streamer_year_keys.platform,
        streamer_year_keys.streamer_id,
        streamer_year_keys.year,
        streamers.streamer_name,
        streamers.agency_credit_code,
        enterprises.enterprise_name as agency_name,
        streamers.streamer_id is not null as is_registered,
        cast(coalesce(sales_totals.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(sales_totals.refund, 0) as decimal(18, 2)) as refund,
        cast(
            coalesce(sales_totals.gmv, 0) - coalesce(sales_totals.refund, 0)
            as decimal(18, 2)
        ) as net_sales,
        cast(coalesce(active_months.active_months, 0) as integer)
            as active_months,
        cast(coalesce(sales_totals.store_count, 0) as integer)
            as store_count

    from streamer_year_keys
    left join streamers
        on
            streamer_year_keys.platform = streamers.platform
            and streamer_year_keys.streamer_id = streamers.streamer_id
            and streamer_year_keys.year = streamers.year
    left join enterprises
        on
            streamers.agency_credit_code = enterprises.credit_code
            and streamers.year = enterprises.year
    left join sales_totals
        on
            streamer_year_keys.platform = sales_totals.platform
            and streamer_year_keys.streamer_id = sales_totals.streamer_id
            and streamer_year_keys.year = sales_totals.year
    left join active_months
        on
            streamer_year_keys.platform = active_months.platform
            and streamer_year_keys.streamer_id = active_months.streamer_id
            and streamer_year_keys.year = active_months.year

)

select * from streamer_years
