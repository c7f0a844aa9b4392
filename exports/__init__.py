"""Ranking tables for people: the award workbook, CSV for Excel, Parquet.

exports only formats what scoring computed; it never computes a rank or a sum,
and never lets a name from the input run as a spreadsheet formula.
"""
