-- Each registered store of a year with the enterprise that year's store
-- registry names and the county that year's enterprise registry gives it.
-- A store whose enterprise is not in that year's enterprise registry, or
-- whose enterprise's code is not a Sichuan county, is unattributed: its
-- credit_code and county stay null and attribution_gap says why.

with

stores as (

    select * from {{ ref('int_stores_deduplicated') }}

),

enterprises as (

    select * from {{ ref('int_enterprises_deduplicated') }}

),

divisions as (

    select * from {{ ref('divisions') }}

),

counties as (

    select * from divisions
    where level = 'county'

),

attributed_stores as (

    select
        stores.year,
        stores.platform,
        stores.store_id,
        stores.store_name,
        stores.credit_code as registered_credit_code,
        case
            when counties.code is not null then enterprises.credit_code
        end as credit_code,
        case
            when counties.code is not null then enterprises.enterprise_name
        end as enterprise_name,
        counties.code as county_code,
        counties.parent_code as city_code,
        -- a prefecture code where a county belongs still names a city
        coalesce(counties.parent_code, prefectures.code)
            as registered_city_code,
        case
            when counties.code is not null
                then nullif({{ first_listed('enterprises.belts') }}, '')
        end as enterprise_first_belt,
        counties.code is not null as is_attributed,
        case
            when enterprises.credit_code is null then 'unknown_enterprise'
            when counties.code is null then 'unknown_county'
        end as attribution_gap

    from stores
    left join enterprises
        on
            stores.year = enterprises.year
            and stores.credit_code = enterprises.credit_code
    left join counties
        on enterprises.county_code = counties.code
    left join divisions as prefectures
        on
            enterprises.county_code = prefectures.code
            and prefectures.level = 'prefecture'

)

select * from attributed_stores
