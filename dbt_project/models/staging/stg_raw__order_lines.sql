with

source as (

    select * from {{ source('raw', 'order_lines') }}

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
        line_id,
        product_id,
        product_name,
        cast(quantity as integer) as quantity,
        paid_at,
        order_status,
        refund_status,
        cast(gmv as decimal(18, 2)) as gmv,
        cast(refund as decimal(18, 2)) as refund,
        streamer_id,
        channel,
        buyer_hash

    from source

)

select * from renamed
