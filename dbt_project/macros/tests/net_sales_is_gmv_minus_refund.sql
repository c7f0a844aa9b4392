{# Every row keeps the money identity net_sales = gmv - refund. #}
{% test net_sales_is_gmv_minus_refund(model) %}

select * from {{ model }}
where net_sales <> gmv - refund

{% endtest %}
