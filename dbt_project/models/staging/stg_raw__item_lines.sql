with

source as (

    select * from {{ source('raw', 'item_lines') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        layout,
        platform,
        store_id,
        order_id,
        cast(line_no as integer) as line_no,
        product_id,
        product_name,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(quantity as integer) as quantity,
        order_status

    from source

)

select * from renamed
