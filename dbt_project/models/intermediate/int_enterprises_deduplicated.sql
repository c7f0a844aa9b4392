with

enterprises as (

    select * from {{ ref('stg_raw__enterprises') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(['year', 'credit_code']) }} as load_rank

    from enterprises

),

latest as (

    select
        load_id,
        source_file,
        source_row,
        year,
        credit_code,
        enterprise_name,
        county_code,
        enterprise_type,
        belts,
        demonstration_kind,
        demonstration_since,
        first_year,
        is_time_honoured,
        is_focused

    from ranked
    where load_rank = 1

)

select * from latest
