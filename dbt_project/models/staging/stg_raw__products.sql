with

source as (

    select * from {{ source('raw', 'products') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        cast(year as integer) as year,
        product_code,
        product_name,
        belt,
        origin_county_code,
        is_gi,
        credit_code

    from source

)

select * from renamed
