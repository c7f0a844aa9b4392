with

source as (

    select * from {{ source('raw', 'enrolments') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        cast(year as integer) as year,
        event_id,
        credit_code,
        coalesce(platform, '') as platform

    from source

)

select * from renamed
