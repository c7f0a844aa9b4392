with

stores as (

    select * from {{ ref('stg_raw__stores') }}

),

ranked as (

    select
        *,
        {{ latest_load_rank(['year', 'platform', 'store_id']) }} as load_rank

    from stores

),

latest as (

    select
        load_id,
        source_file,
        source_row,
        year,
        platform,
        store_id,
        store_name,
        credit_code

    from ranked
    where load_rank = 1

)

select * from latest
