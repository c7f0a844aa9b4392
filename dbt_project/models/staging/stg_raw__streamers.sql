with

source as (

    select * from {{ source('raw', 'streamers') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        cast(year as integer) as year,
        platform,
        streamer_id,
        streamer_name,
        agency_credit_code

    from source

)

select * from renamed
