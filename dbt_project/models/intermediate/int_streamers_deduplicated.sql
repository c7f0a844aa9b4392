with

streamers as (

    select * from {{ ref('stg_raw__streamers') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(['year', 'platform', 'streamer_id']) }} as load_rank

    from streamers

),

latest as (

    select
        load_id,
        source_file,
        source_row,
        year,
        platform,
        streamer_id,
        streamer_name,
        agency_credit_code

    from ranked
    where load_rank = 1

)

select * from latest
