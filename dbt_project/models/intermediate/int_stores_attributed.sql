-- Each registered store of a year with the enterprise that year's store
-- registry names and the county that year's enterprise registry gives it.
-- A store whose enterprise is not in that year's enterprise registry is
-- unattributed: its credit_code and county stay null.

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

attributed_stores as (

    select
        stores.year,
        stores.platform,
        stores.store_id,
        stores.store_name,
        stores.credit_code as registered_credit_code,
        enterprises.credit_code,
        enterprises.enterprise_name,
        enterprises.county_code,
        divisions.parent_code as city_code,
        nullif({{ first_listed('enterprises.belts') }}, '')
            as enterprise_first_belt,
        enterprises.credit_code is not null as is_attributed

    from stores
    left join enterprises
        on
            stores.year = enterprises.year
            and stores.credit_code = enterprises.credit_code
    left join divisions
        on enterprises.county_code = divisions.code

)

select * from attributed_stores
