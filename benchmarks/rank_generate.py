"""A provincial-scale year for the rank benchmark, written straight into the raw tables.

Registries (企业库, 店铺, 四川好物库 and its store items, 直播人才库, 挂标) and daily sales
are made with DuckDB SQL from `range()` and `hash()`, so a million stores take a minute,
not the hours that writing and ingesting a million platform exports would. Every row
carries lineage like an ingested row (a raw.loads row per generated table and year, a
source row number), so the real `dbt build` builds the marts from them. Ingest is not
exercised here: chain_benchmark.py measures it.

The shape of the data:
- 2022: `enterprises` enterprises over Sichuan's 183 counties (types 企业 85 %, 直播机构 7 %,
  服务企业 5 %, 产业基地 3 %; one in 50 a demonstration unit; first programme years 2012 to
  2022, so about a third are new participants), `stores` stores (store s belongs to
  enterprise s mod E) over six platforms, 2 to 8 store x product x day rows each in as many
  distinct months (so about one store in seven misses the 3-active-month bar), amounts from
  100 to 1,000,000 yuan on a log scale, refunds on a third of the rows (one store in 97
  refunds 60 %); three registry products per enterprise with store items for half the
  store's products; one live-streamer per 20 stores on Douyin, Kuaishou and Taobao, 90 %
  of them registered; a third of the enterprises enrolled (挂标) in about a quarter of the
  2022 plan's events.
- 2021, what the roster needs: the enterprises whose first year is 2021 or earlier, each
  with its first store and 3 to 6 rows of sales, so 2022 has growth rates and new
  participants and demonstration units have a 2021 grade.

It must never write outside the warehouse file it is given, and money is made as whole
fen (integers) and cast to DECIMAL(18, 2), never kept as float.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent

log = logging.getLogger(__name__)

YEAR = 2022
PREVIOUS_YEAR = 2021
PLATFORMS = ("tmall", "taobao", "jd", "douyin", "pinduoduo", "kuaishou")
LIVE_PLATFORMS = ("douyin", "kuaishou", "taobao")
BELT_CODES = ("liquor", "tea", "seasoning", "farm", "home", "textile")
STORES_PER_STREAMER = 20
PRODUCTS_PER_ENTERPRISE = 3
DEMONSTRATION_EVERY = 50
FIRST_STORE_ID = 8_000_000_000


@dataclass(frozen=True)
class Scale:
    stores: int
    enterprises: int

    @property
    def streamers(self) -> int:
        return max(1, self.stores // STORES_PER_STREAMER)


def county_codes() -> list[str]:
    with (REPO / "dbt_project" / "seeds" / "divisions.csv").open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle) if row["level"] == "county"]


def _credit_codes(con: duckdb.DuckDBPyConnection, enterprises: int) -> None:
    """Valid 统一社会信用代码 for enterprise 0..E-1, in table gen_codes (enterprise, code)."""
    from ingest.credit_code import check_character

    codes = []
    for enterprise in range(enterprises):
        first17 = f"91510000{enterprise:09d}"
        codes.append((enterprise, first17 + check_character(first17)))
    frame = pa.table(  # noqa: F841 (read by duckdb by name)
        {"enterprise": [c[0] for c in codes], "code": [c[1] for c in codes]}
    )
    con.execute("create or replace temp table gen_codes as select * from frame")


def _lineage(con: duckdb.DuckDBPyConnection, table: str, year: int, rows: int) -> int:
    """A raw.loads row for one generated table of one year; returns its load id."""
    from ingest import bookkeeping

    load_id = bookkeeping.next_load_id(con)
    source = f"generated/{table}-{year}.sql"
    bookkeeping.record_load(
        con,
        load_id=load_id,
        source_path=source,
        content_hash=hashlib.sha256(source.encode()).hexdigest(),
        kind="registry" if table != "daily_sales" else "sales",
        layout=f"generated_{table}",
        rows_read=rows,
        rows_loaded=rows,
        rows_rejected=0,
        rows_skipped=0,
        encoding="utf-8",
    )
    return load_id


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, year: int, columns: str, select_sql: str
) -> int:
    """Insert the rows of `select_sql` into raw.<table> with their lineage; returns the count."""
    con.execute(f"create or replace temp table gen_rows as {select_sql}")
    (rows,) = con.execute("select count(*) from gen_rows").fetchone()
    load_id = _lineage(con, table, year, rows)
    con.execute(
        f"insert into raw.{table} (load_id, source_file, source_row, {columns}) "
        f"select {load_id}, 'generated/{table}-{year}.sql', row_number() over (), {columns} "
        "from gen_rows"
    )
    log.info("generated %d rows of raw.%s for %d", rows, table, year)
    return int(rows)


def _enterprise_sql(scale: Scale) -> str:
    """One row per enterprise with its fixed traits (both years read it)."""
    return f"""
        select
            e.range as enterprise,
            gen_codes.code as credit_code,
            '川货基准' || lpad(cast(e.range as varchar), 6, '0') || '有限公司'
                as enterprise_name,
            counties.code as county_code,
            case
                when e.range % 100 < 85 then 'enterprise'
                when e.range % 100 < 92 then 'agency'
                when e.range % 100 < 97 then 'service'
                else 'base'
            end as enterprise_type,
            e.range % {DEMONSTRATION_EVERY} = 0 as is_demo,
            2012 + cast(hash(e.range, 'first') % 11 as integer) as first_year,
            e.range % 100 = 1 as is_time_honoured,
            e.range % 20 = 3 as is_focused
        from range({scale.enterprises}) as e
        join gen_codes on gen_codes.enterprise = e.range
        join gen_counties as counties
            on counties.position = hash(e.range, 'county') % 183
    """


def generate(db_path: Path, scale: Scale) -> dict[str, int]:
    """Write the two years into a fresh warehouse at db_path; returns row counts per table."""
    from ingest.plan import load_plan, load_plan_into
    from warehouse.db import warehouse
    from warehouse.paths import PLANS_DIR

    db_path.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with warehouse(db_path) as con:
        load_plan_into(con, load_plan(PLANS_DIR / f"{YEAR}.yaml"))
        codes = county_codes()
        con.execute("create or replace temp table gen_counties (position bigint, code varchar)")
        con.executemany("insert into gen_counties values (?, ?)", list(enumerate(codes)))
        _credit_codes(con, scale.enterprises)
        con.execute(f"create or replace temp table gen_enterprises as {_enterprise_sql(scale)}")
        # The first year an enterprise is in the registry is its first programme year.
        for year in (PREVIOUS_YEAR, YEAR):
            counts[f"enterprises {year}"] = _insert(
                con,
                "enterprises",
                year,
                "year, credit_code, enterprise_name, county_code, enterprise_type, belts, "
                "demonstration_kind, demonstration_since, first_year, is_time_honoured, "
                "is_focused",
                f"""
                select
                    {year} as year, credit_code, enterprise_name, county_code,
                    enterprise_type,
                    case
                        when is_demo and enterprise_type = 'base' then 'base'
                        when is_demo then 'enterprise'
                    end as demonstration_kind,
                    case when is_demo then 2019 end as demonstration_since,
                    first_year, is_time_honoured, is_focused,
                    list_element(
                        {list(BELT_CODES)}, cast(hash(enterprise, 'belt') % 6 as integer) + 1
                    ) || case when enterprise % 4 = 0 then ',tea' else '' end as belts
                from gen_enterprises
                where first_year <= {year} or is_demo
                """,
            )
        # Stores: store s of enterprise s mod E; in 2021 only each enterprise's first store.
        con.execute(
            f"""
            create or replace temp table gen_stores as
            select
                s.range as store,
                s.range % {scale.enterprises} as enterprise,
                list_element({list(PLATFORMS)}, cast(hash(s.range, 'pf') % 6 as integer) + 1)
                    as platform,
                cast({FIRST_STORE_ID} + s.range as varchar) as store_id
            from range({scale.stores}) as s
            """
        )
        for year in (PREVIOUS_YEAR, YEAR):
            scope = "" if year == YEAR else f"where gen_stores.store < {scale.enterprises}"
            counts[f"stores {year}"] = _insert(
                con,
                "stores",
                year,
                "year, platform, store_id, store_name, credit_code",
                f"""
                select
                    {year} as year, gen_stores.platform, gen_stores.store_id,
                    '川货' || gen_stores.store_id || '店' as store_name,
                    gen_enterprises.credit_code
                from gen_stores
                join gen_enterprises on gen_enterprises.enterprise = gen_stores.enterprise
                {scope}
                {"and" if scope else "where"}
                    (gen_enterprises.first_year <= {year} or gen_enterprises.is_demo)
                """,
            )
        counts[f"products {YEAR}"] = _insert(
            con,
            "products",
            YEAR,
            "year, product_code, product_name, belt, origin_county_code, is_gi, credit_code",
            f"""
            select
                {YEAR} as year,
                'SC' || enterprise || '-' || p.range as product_code,
                '川货好物' || enterprise || '-' || p.range as product_name,
                list_element({list(BELT_CODES)}, cast(hash(enterprise, p.range) % 6 as integer) + 1)
                    as belt,
                county_code as origin_county_code,
                hash(enterprise, p.range, 'gi') % 10 = 0 as is_gi,
                credit_code
            from gen_enterprises
            cross join range({PRODUCTS_PER_ENTERPRISE}) as p
            """,
        )
        counts[f"product_items {YEAR}"] = _insert(
            con,
            "product_items",
            YEAR,
            "year, product_code, platform, store_id, item_id",
            f"""
            select
                {YEAR} as year,
                'SC' || enterprise || '-' || p.range as product_code,
                platform, store_id,
                'I' || store || '-' || p.range as item_id
            from gen_stores
            cross join range({PRODUCTS_PER_ENTERPRISE}) as p
            where (store + p.range) % 2 = 0
            """,
        )
        counts[f"streamers {YEAR}"] = _insert(
            con,
            "streamers",
            YEAR,
            "year, platform, streamer_id, streamer_name, agency_credit_code",
            f"""
            select
                {YEAR} as year, platforms.platform,
                'Z' || n.range as streamer_id,
                '主播' || n.range as streamer_name,
                case when n.range % 3 = 0 then agencies.credit_code end
                    as agency_credit_code
            from range({scale.streamers}) as n
            cross join (select unnest({list(LIVE_PLATFORMS)}) as platform) as platforms
            left join gen_enterprises as agencies
                on agencies.enterprise = (n.range * 100 + 90) % {scale.enterprises}
                and agencies.enterprise_type = 'agency'
            where n.range % 10 <> 0
            """,
        )
        counts[f"enrolments {YEAR}"] = _insert(
            con,
            "enrolments",
            YEAR,
            "year, event_id, credit_code, platform",
            f"""
            select {YEAR} as year, events.event_id, gen_enterprises.credit_code, '' as platform
            from gen_enterprises
            cross join (select distinct event_id from raw.events where year = {YEAR}) as events
            where gen_enterprises.enterprise % 3 = 0
                and hash(gen_enterprises.enterprise, events.event_id) % 4 = 0
                and gen_enterprises.first_year <= {YEAR}
            """,
        )
        for year in (PREVIOUS_YEAR, YEAR):
            counts[f"daily_sales {year}"] = _insert(
                con,
                "daily_sales",
                year,
                "layout, platform, store_id, product_id, product_name, sale_date, gmv, refund, "
                "quantity, buyers, streamer_id, channel",
                _sales_sql(scale, year),
            )
        con.execute("drop table gen_rows")
    return counts


def _sales_sql(scale: Scale, year: int) -> str:
    """Store x product x day rows: k rows per store in k distinct months, amounts in fen."""
    if year == YEAR:
        stores = "gen_stores"
        rows_of = "2 + cast(hash(store, 'k') % 7 as integer)"
    else:
        stores = (
            f"(select gen_stores.* from gen_stores join gen_enterprises using (enterprise) "
            f"where store < {scale.enterprises} and (first_year <= {year} or is_demo))"
        )
        rows_of = "3 + cast(hash(store, 'k1') % 4 as integer)"
    return f"""
        with
        store_rows as (
            select stores.*, j.range as j
            from {stores} as stores
            cross join range(8) as j
            where j.range < {rows_of}
        ),
        amounts as (
            select
                *,
                cast(floor(pow(10, 4 + 4 * (hash(store, j, {year}) % 1000000) / 1e6))
                    as bigint) as gmv_fen,
                case
                    when store % 97 = 0 then 60
                    when hash(store, j, 'r') % 3 = 0
                        then cast(hash(store, j, 'rr') % 30 as bigint)
                    else 0
                end as refund_percent
            from store_rows
        )
        select
            'generated' as layout,
            platform,
            store_id,
            'I' || store || '-' || (j % {PRODUCTS_PER_ENTERPRISE}) as product_id,
            '川货好物' || (j % {PRODUCTS_PER_ENTERPRISE}) as product_name,
            make_date(
                {year},
                cast(1 + (store + j * 5) % 12 as integer),
                cast(1 + hash(store, j, 'd') % 28 as integer)
            ) as sale_date,
            cast(cast(gmv_fen as decimal(18, 0)) * 0.01 as decimal(18, 2)) as gmv,
            cast(cast(gmv_fen * refund_percent // 100 as decimal(18, 0)) * 0.01
                as decimal(18, 2)) as refund,
            cast(1 + hash(store, j, 'q') % 50 as integer) as quantity,
            cast(1 + hash(store, j, 'b') % 40 as integer) as buyers,
            case
                when platform in {tuple(LIVE_PLATFORMS)} and j % 2 = 0
                    then 'Z' || (hash(store, j, 'z') % {scale.streamers})
            end as streamer_id,
            case
                when platform in {tuple(LIVE_PLATFORMS)} and j % 2 = 0 then 'live'
                else 'shelf'
            end as channel
        from amounts
    """
