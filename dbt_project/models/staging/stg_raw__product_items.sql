with

source as (

    select * from {{ source('raw', 'product_items') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        cast(year as integer) as year,
        product_code,
        platform,
        store_id,
        item_id

    from source

)

select * from renamed
