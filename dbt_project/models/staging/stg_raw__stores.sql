with

source as (

    select * from {{ source('raw', 'stores') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        cast(year as integer) as year,
        platform,
        store_id,
        store_name,
        credit_code

    from source

)

select * from renamed
