"""Reading, validating and loading platform exports, registries and the annual plan.

ingest turns files into rows of the raw schema. It must never compute marts or
rankings, and it must never let personal data reach the warehouse or its logs.
"""
