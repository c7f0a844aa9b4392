with

order_lines as (

    select * from {{ ref('stg_raw__order_lines') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(
            ['platform', 'store_id', 'order_id', 'line_id']
        ) }} as load_rank

    from order_lines

),

latest as (

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
        quantity,
        paid_at,
        order_status,
        refund_status,
        gmv,
        refund,
        streamer_id,
        channel

    from ranked
    where load_rank = 1

)

select * from latest
