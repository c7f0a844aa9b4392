with

events as (

    select * from {{ ref('stg_raw__events') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(['year', 'event_id']) }} as load_rank

    from events

),

latest as (

    select
        load_id,
        source_file,
        source_row,
        year,
        event_id,
        event_name,
        window_text,
        window_precision,
        start_date,
        end_date,
        place_kind,
        place_text,
        city_code,
        county_code,
        platforms,
        belts,
        inferred_fields,
        inferred_reason

    from ranked
    where load_rank = 1

)

select * from latest
