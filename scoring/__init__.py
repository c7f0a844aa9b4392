"""Scoring: the year's evaluations, award lists and dynamic roster, from the marts.

Reads marts (enterprise_years, store_years, county_years, fct_sales) and the per-year
rules file; writes only schema `scoring`. It must never import ingest, exports or the CLI,
nor hold a threshold or weight of its own: policy lives in data/rules/<year>.yaml.
"""
