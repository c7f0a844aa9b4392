{#
    No sale is counted in two counties: within one year, all the rows of
    one store (platform, store_id) carry the same county, or none. Checked
    on the fact, from which every county total is summed.
#}
{% test counted_in_one_county(model) %}

with

store_counties as (

    select
        platform,
        store_id,
        year,
        count(distinct county_code) as county_count,
        count(distinct coalesce(county_code, '')) as county_or_none_count

    from {{ model }}
    group by platform, store_id, year

)

select * from store_counties
where county_count > 1 or county_or_none_count > 1

{% endtest %}
