-- 挂标: every enrolment of every file of the year (each city may send one),
-- once. platform '' means every platform of the event and makes the unit's
-- single-platform rows for that event redundant, so they are dropped: at
-- most one enrolment matches a sale.

with

enrolments as (

    select * from {{ ref('stg_raw__enrolments') }}

),

distinct_enrolments as (

    select
        year,
        event_id,
        credit_code,
        platform,
        min(load_id) as first_load_id

    from enrolments
    group by year, event_id, credit_code, platform

),

every_platform as (

    select
        year,
        event_id,
        credit_code

    from distinct_enrolments
    where platform = ''

),

deduplicated as (

    select distinct_enrolments.*

    from distinct_enrolments
    left join every_platform
        on
            distinct_enrolments.year = every_platform.year
            and distinct_enrolments.event_id = every_platform.event_id
            and distinct_enrolments.credit_code = every_platform.credit_code
    where
        distinct_enrolments.platform = ''
        or every_platform.credit_code is null

)

select * from deduplicated
