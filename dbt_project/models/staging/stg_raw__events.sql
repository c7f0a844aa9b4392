with

source as (

    select * from {{ source('raw', 'events') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        cast(year as integer) as year,
        event_id,
        event_name,
        window_text,
        window_precision,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        place_kind,
        place_text,
        city_code,
        county_code,
        coalesce(platforms, '') as platforms,
        coalesce(belts, '') as belts,
        inferred_fields,
        inferred_reason

    from source

)

select * from renamed
