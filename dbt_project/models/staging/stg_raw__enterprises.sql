with

source as (

    select * from {{ source('raw', 'enterprises') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        cast(year as integer) as year,
        credit_code,
        enterprise_name,
        county_code,
        enterprise_type,
        belts,
        demonstration_kind,
        cast(demonstration_since as integer) as demonstration_since,
        cast(first_year as integer) as first_year,
        is_time_honoured,
        is_focused

    from source

)

select * from renamed
