-- The notice's 千百十 goals, counted each year: enterprises taking part
-- (registered that year, gmv > 0: the thousand), enterprises under focused
-- cultivation (the hundred), and enterprises whose net sales at least
-- doubled against their first year in the programme (the ten). The first
-- year is the one that year's registry gives; an enterprise with no
-- registry row or no positive net sales in its first year has no baseline
-- and is counted apart, never as doubled.

with

enterprise_years as (

    select * from {{ ref('enterprise_years') }}

),

sales_years as (

    select distinct year from {{ ref('fct_sales') }}

),

registry_years as (

    select distinct year from enterprise_years

),

goal_years as (

    select year from sales_years
    union
    select year from registry_years

),

taking_part as (

    select * from enterprise_years
    where gmv > 0

),

-- only enterprises past their first year can have doubled against it
measured_against_first_year as (

    select
        taking_part.credit_code,
        taking_part.year,
        taking_part.net_sales,
        first_year.net_sales as first_year_net_sales,
        coalesce(first_year.net_sales > 0, false) as has_baseline

    from taking_part
    left join enterprise_years as first_year
        on
            taking_part.credit_code = first_year.credit_code
            and taking_part.first_year = first_year.year
    where taking_part.year > taking_part.first_year

),

doubling_counts as (

    select
        year,
        count(*) as past_first_year_count,
        sum(
            case
                when has_baseline and net_sales >= 2 * first_year_net_sales
                    then 1
                else 0
            end
        ) as doubled_count,
        sum(case when has_baseline then 0 else 1 end) as without_baseline_count

    from measured_against_first_year
    group by year

),

taking_part_counts as (

    select
        year,
        count(*) as taking_part_count,
        sum(gmv) as gmv,
        sum(refund) as refund,
        sum(net_sales) as net_sales

    from taking_part
    group by year

),

focused_counts as (

    select
        year,
        count(*) as focused_count,
        sum(case when gmv > 0 then 1 else 0 end) as focused_taking_part_count

    from enterprise_years
    where is_focused
    group by year

),

programme_goals as (

    select
        goal_years.year,
        cast(coalesce(taking_part_counts.taking_part_count, 0) as integer)
            as enterprises_taking_part,
        cast(coalesce(focused_counts.focused_count, 0) as integer)
            as enterprises_focused,
        cast(
            coalesce(focused_counts.focused_taking_part_count, 0) as integer
        ) as enterprises_focused_taking_part,
        cast(coalesce(doubling_counts.doubled_count, 0) as integer)
            as enterprises_doubled,
        cast(coalesce(doubling_counts.past_first_year_count, 0) as integer)
            as enterprises_past_first_year,
        cast(coalesce(doubling_counts.without_baseline_count, 0) as integer)
            as enterprises_without_baseline,
        cast(coalesce(taking_part_counts.gmv, 0) as decimal(18, 2)) as gmv,
        cast(coalesce(taking_part_counts.refund, 0) as decimal(18, 2))
            as refund,
        cast(coalesce(taking_part_counts.net_sales, 0) as decimal(18, 2))
            as net_sales

    from goal_years
    left join taking_part_counts
        on goal_years.year = taking_part_counts.year
    left join focused_counts
        on goal_years.year = focused_counts.year
    left join doubling_counts
        on goal_years.year = doubling_counts.year

)

select * from programme_goals
