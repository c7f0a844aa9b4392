with

source as (

    select * from {{ source('raw', 'daily_sales') }}

),

renamed as (

    select
        load_id,
        source_file,
        source_row,
        layout,
        platform,
        store_id,
        product_id,
        product_name,
        cast(sale_date as date) as sale_date,
        cast(gmv as decimal(18, 2)) as gmv,
        cast(refund as decimal(18, 2)) as refund,
        cast(quantity as integer) as quantity,
        cast(buyers as integer) as buyers,
        streamer_id,
        channel

    from source

)

select * from renamed
