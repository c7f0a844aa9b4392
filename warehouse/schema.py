"""The raw schema: what ingest writes and what dbt reads as its sources.

Every loaded row carries its lineage (load_id, source_file, source_row). Raw
tables are append-only; a re-export of the same natural key is settled in dbt
(latest load wins), a file seen before is never loaded twice (raw.loads keeps
its content hash). Money is DECIMAL(18, 2) yuan, never float. Timestamps are
Beijing time (UTC+8) without a zone, as the platforms print them.

Personal data (buyer names, phones, addresses, accounts, messages) has no
column here, by design.
"""

from __future__ import annotations

import duckdb

MONEY = "decimal(18, 2)"

_LINEAGE = """
    load_id bigint not null,
    source_file varchar not null,
    source_row bigint not null,
"""

RAW_TABLES: dict[str, str] = {
    # One row per file ever offered to the warehouse.
    "loads": """
        load_id bigint primary key,
        source_file varchar not null,
        source_path varchar,
        content_hash varchar not null,
        kind varchar not null,
        layout varchar,
        platform varchar,
        store_id varchar,
        encoding varchar,
        rows_read bigint not null,
        rows_loaded bigint not null,
        rows_rejected bigint not null,
        rows_skipped bigint not null,
        skipped_detail varchar,
        loaded_at timestamp not null,
        status varchar not null
    """,
    # Rows kept aside: original text with personal-data fields removed.
    "rejected_rows": """
        load_id bigint not null,
        source_file varchar not null,
        source_row bigint,
        column_name varchar,
        reason_code varchar not null,
        reason varchar not null,
        original_row varchar
    """,
    # One row per order line (or per order where the layout has no lines).
    # Natural key: platform, store_id, order_id, line_id.
    "order_lines": f"""
        {_LINEAGE}
        layout varchar not null,
        platform varchar not null,
        store_id varchar not null,
        order_id varchar not null,
        line_id varchar not null,
        product_id varchar,
        product_name varchar,
        quantity integer,
        paid_at timestamp,
        order_status varchar,
        refund_status varchar,
        gmv {MONEY} not null,
        refund {MONEY} not null,
        streamer_id varchar,
        channel varchar,
        buyer_hash varchar
    """,
    # Item lines at list prices (Taobao 宝贝报表), joined to orders on order_id.
    # Natural key: platform, store_id, order_id, line_no.
    "item_lines": f"""
        {_LINEAGE}
        layout varchar not null,
        platform varchar not null,
        store_id varchar not null,
        order_id varchar not null,
        line_no integer not null,
        product_id varchar,
        product_name varchar,
        unit_price {MONEY},
        quantity integer,
        order_status varchar
    """,
    # One row per store x product x day from a daily summary.
    # Natural key: platform, store_id, product_id, sale_date.
    "daily_sales": f"""
        {_LINEAGE}
        layout varchar not null,
        platform varchar not null,
        store_id varchar not null,
        product_id varchar not null,
        product_name varchar,
        sale_date date not null,
        gmv {MONEY} not null,
        refund {MONEY} not null,
        quantity integer,
        buyers integer,
        streamer_id varchar,
        channel varchar
    """,
    # Registries: each row is one record of one year's snapshot.
    "enterprises": f"""
        {_LINEAGE}
        year integer not null,
        credit_code varchar not null,
        enterprise_name varchar not null,
        county_code varchar not null,
        enterprise_type varchar not null,
        belts varchar not null,
        demonstration_kind varchar,
        demonstration_since integer,
        first_year integer not null,
        is_time_honoured boolean not null,
        is_focused boolean not null
    """,
    "stores": f"""
        {_LINEAGE}
        year integer not null,
        platform varchar not null,
        store_id varchar not null,
        store_name varchar not null,
        credit_code varchar not null
    """,
    "products": f"""
        {_LINEAGE}
        year integer not null,
        product_code varchar not null,
        product_name varchar not null,
        belt varchar not null,
        origin_county_code varchar not null,
        is_gi boolean not null,
        credit_code varchar not null
    """,
    "product_items": f"""
        {_LINEAGE}
        year integer not null,
        product_code varchar not null,
        platform varchar not null,
        store_id varchar not null,
        item_id varchar not null
    """,
    "streamers": f"""
        {_LINEAGE}
        year integer not null,
        platform varchar not null,
        streamer_id varchar not null,
        streamer_name varchar not null,
        agency_credit_code varchar
    """,
    # 挂标: a unit enrolled in an event of its year's plan, on one platform or (platform
    # null) on all the event's platforms.
    "enrolments": f"""
        {_LINEAGE}
        year integer not null,
        event_id varchar not null,
        credit_code varchar not null,
        platform varchar
    """,
    # The annual plan, windows resolved to dates.
    "events": f"""
        {_LINEAGE}
        year integer not null,
        event_id varchar not null,
        event_name varchar not null,
        window_text varchar not null,
        window_precision varchar not null,
        start_date date not null,
        end_date date not null,
        place_kind varchar not null,
        place_text varchar not null,
        city_code varchar,
        county_code varchar,
        platforms varchar,
        belts varchar,
        inferred_fields varchar,
        inferred_reason varchar
    """,
}


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `raw` and its tables where missing; never drops anything."""
    con.execute("create schema if not exists raw")
    for table, columns in RAW_TABLES.items():
        con.execute(f"create table if not exists raw.{table} ({columns})")
