"""The bundled samples: reproducible, well-formed, and carrying the histories they promise.

The expectations here are written from the references (GI counties from
NAMES_AND_PRACTICE.md, layouts from PLATFORM_EXPORTS.md, money rules from DOMAIN.md) and the
files are read back with the standard library, never through the generator's own code.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ingest.credit_code import problem

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
GENERATOR = SAMPLES / "generate.py"
DIVISIONS = ROOT / "dbt_project" / "seeds" / "divisions.csv"
YEARS = ("2020", "2021", "2022")

# Geographical-indication products and their counties, typed in from NAMES_AND_PRACTICE.md §4.
GI_COUNTIES = {
    "合江荔枝": "510522",
    "张坝桂圆": "510502",
    "汉源花椒": "511823",
    "蒲江猕猴桃": "510131",
    "都江堰猕猴桃": "510181",
    "苍溪红心猕猴桃": "510824",
    "会理石榴": "513402",
    "攀枝花芒果": "510411",
    "攀枝花枇杷": "510421",
    "资中枇杷": "511025",
    "南江杜仲": "511922",
    "老君香菇": "511722",
    "宣汉桃花米": "511722",
    "茂县李": "513223",
    "大竹白茶": "511724",
    "中江柚": "510623",
    "丹棱脆红李": "511424",
    "得荣树椒": "513338",
    "石渠人参果": "513332",
    "邛崃中蜂蜜": "510183",
    "金堂油橄榄": "510121",
    "南部脆香甜柚": "511321",
    "崇庆枇杷茶": "510184",
    "万源马铃薯": "511781",
    "邻水脐橙": "511623",
    "屏山炒青": "511529",
    "阆中川明参": "511381",
}


def run_generator(out: Path, **env: str) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, **env},
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "generate.py" and "__pycache__" not in path.parts
    }


def registry(year: str, name: str) -> list[dict[str, str]]:
    with (SAMPLES / "registries" / year / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def unwrap(cell: str) -> str:
    """An id as the platforms protect it (="…", a leading tab) back to its digits."""
    return cell.strip().removeprefix("=").strip('"').strip("\t")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("first")
    run_generator(out, PYTHONHASHSEED="1", TZ="UTC")
    return out


@dataclass
class StoreYear:
    gmv: Decimal = Decimal("0")
    refund: Decimal = Decimal("0")
    months: set[int] = field(default_factory=set)


@dataclass
class Sales:
    """Everything the exports say, summed per the DOMAIN.md meanings."""

    totals: dict[tuple[str, str], dict[str, object]]
    stores: dict[tuple[str, str, str], StoreYear]


def _taobao(folder: Path, platform: str, sales: Sales) -> None:
    store = folder.name
    year_of_order: dict[str, str] = {}
    for path in sorted(folder.glob("ExportOrderList*.csv")):
        rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("gbk"))))
        for row in rows:
            paid_at = row["订单付款时间 "]
            year = (paid_at or row["订单创建时间"])[:4]
            total = sales.totals[(year, platform)]
            order_id = unwrap(row["订单编号"])
            year_of_order[order_id] = year
            total["order_lines"] += 1
            total["orders"].add((store, order_id))
            if paid_at:
                refund = Decimal(row["退款金额"])
                gmv = Decimal(row["买家实际支付金额"]) + refund
                assert gmv == Decimal(row["总金额"]), f"{path.name}: {order_id}"
                total["gmv"] += gmv
                total["refund"] += refund
                cell = sales.stores[(year, platform, store)]
                cell.gmv += gmv
                cell.refund += refund
                cell.months.add(int(paid_at[5:7]))
    for path in sorted(folder.glob("ExportOrderDetailList*.csv")):
        reader = csv.reader(io.StringIO(path.read_bytes().decode("gbk")))
        next(reader)
        for row in reader:
            sales.totals[(year_of_order[unwrap(row[0])], platform)]["item_lines"] += 1


def _douyin(folder: Path, sales: Sales) -> None:
    store = folder.name
    for path in sorted(folder.glob("*_订单导出.csv")):
        text = path.read_bytes().decode("utf-8-sig")
        for row in csv.DictReader(io.StringIO(text)):
            paid_at = row["支付完成时间"]
            year = (row["订单提交时间"] if paid_at == "-" else paid_at)[:4]
            total = sales.totals[(year, "douyin")]
            total["order_lines"] += 1
            total["orders"].add((store, unwrap(row["主订单编号"])))
            if paid_at == "-":
                continue
            gmv = Decimal(row["订单应付金额"])
            refund = gmv if row["售后状态"] == "退款成功" else Decimal("0")
            total["gmv"] += gmv
            total["refund"] += refund
            cell = sales.stores[(year, "douyin", store)]
            cell.gmv += gmv
            cell.refund += refund
            cell.months.add(int(paid_at[5:7]))


def _sycm(folder: Path, sales: Sales) -> None:
    store = folder.name
    for path in sorted(folder.glob("*.xlsx")):
        rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        header = rows[4]
        at = {name: index for index, name in enumerate(header)}
        for row in rows[5:]:
            if row[0] == "合计":
                continue
            year = row[at["统计日期"]][:4]
            gmv = Decimal(row[at["支付金额"]].replace(",", ""))
            refund = Decimal(row[at["成功退款金额"]].replace(",", ""))
            total = sales.totals[(year, "tmall")]
            total["daily_rows"] += 1
            total["gmv"] += gmv
            total["refund"] += refund
            cell = sales.stores[(year, "tmall", store)]
            cell.gmv += gmv
            cell.refund += refund
            if gmv:
                cell.months.add(int(row[at["统计日期"]][5:7]))


@pytest.fixture(scope="session")
def sales() -> Sales:
    def new_total() -> dict[str, object]:
        return {
            "gmv": Decimal("0"),
            "refund": Decimal("0"),
            "order_lines": 0,
            "orders": set(),
            "item_lines": 0,
            "daily_rows": 0,
        }

    result = Sales(defaultdict(new_total), defaultdict(StoreYear))
    for folder in sorted((SAMPLES / "inbox").glob("*/*")):
        platform = folder.parent.name
        if any(folder.glob("*.xlsx")):
            _sycm(folder, result)
        elif platform == "douyin":
            _douyin(folder, result)
        else:
            _taobao(folder, platform, result)
    return result


def enterprise_sales(sales: Sales, year: str) -> dict[str, StoreYear]:
    """Sales per enterprise: a store's sales go to its enterprise of that year."""
    platforms = {"天猫": "tmall", "淘宝": "taobao", "抖音": "douyin"}
    owner = {
        (platforms[row["平台"]], row["店铺ID"]): row["统一社会信用代码"]
        for row in registry(year, "店铺")
    }
    result: dict[str, StoreYear] = defaultdict(StoreYear)
    for (store_year, platform, store), cell in sales.stores.items():
        if store_year == year:
            target = result[owner[(platform, store)]]
            target.gmv += cell.gmv
            target.refund += cell.refund
    return result


def pool_rank(year: str, sales: Sales) -> dict[str, tuple[int, int, Decimal]]:
    """credit code -> (rank in its 类型 pool by net sales, pool size, net sales)."""
    by_unit = enterprise_sales(sales, year)
    pools: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    for row in registry(year, "企业库"):
        unit = by_unit.get(row["统一社会信用代码"], StoreYear())
        pools[row["类型"]].append((unit.gmv - unit.refund, row["统一社会信用代码"]))
    ranks = {}
    for members in pools.values():
        for rank, (net, code) in enumerate(sorted(members, reverse=True), start=1):
            ranks[code] = (rank, len(members), net)
    return ranks


# --- reproducibility ---------------------------------------------------------------------


def test_generator_writes_the_same_bytes_twice(generated: Path, tmp_path: Path) -> None:
    run_generator(tmp_path, PYTHONHASHSEED="2", TZ="Asia/Shanghai")
    first, second = tree(generated), tree(tmp_path)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_committed_samples_are_what_the_generator_writes(generated: Path) -> None:
    fresh, committed = tree(generated), tree(SAMPLES)
    assert sorted(fresh) == sorted(committed)
    assert [name for name in fresh if fresh[name] != committed[name]] == []


# --- registries --------------------------------------------------------------------------


def test_every_credit_code_passes_its_check_character() -> None:
    codes = []
    for year in YEARS:
        codes += [row["统一社会信用代码"] for row in registry(year, "企业库")]
        codes += [row["统一社会信用代码"] for row in registry(year, "店铺")]
        codes += [row["统一社会信用代码"] for row in registry(year, "四川好物库")]
        codes += [row["所属机构信用代码"] for row in registry(year, "直播人才库")]
    checked = [code for code in codes if code]
    assert len(checked) > 1000
    assert [(code, problem(code)) for code in checked if problem(code)] == []


def test_credit_codes_are_registered_in_the_enterprise_county() -> None:
    for year in YEARS:
        for row in registry(year, "企业库"):
            code = row["统一社会信用代码"]
            assert code[:2] == "91" and code[2:8] == row["县（市、区）代码"], code


def test_every_county_code_is_a_sichuan_county() -> None:
    with DIVISIONS.open(encoding="utf-8") as handle:
        counties = {row["code"] for row in csv.DictReader(handle) if row["level"] == "county"}
    seen = set()
    for year in YEARS:
        seen |= {row["县（市、区）代码"] for row in registry(year, "企业库")}
        origins = {row["原产地县代码"] for row in registry(year, "四川好物库")}
        assert origins <= counties, origins - counties
    assert seen <= counties, seen - counties
    assert len(seen) >= 110


def test_every_gi_product_sits_in_its_real_county() -> None:
    found = set()
    for year in YEARS:
        county_of = {
            row["统一社会信用代码"]: row["县（市、区）代码"] for row in registry(year, "企业库")
        }
        for row in registry(year, "四川好物库"):
            if row["地理标志"] != "是":
                continue
            name = next(gi for gi in GI_COUNTIES if row["商品名称"].startswith(gi))
            found.add(name)
            assert row["原产地县代码"] == GI_COUNTIES[name], row
            assert county_of[row["统一社会信用代码"]] == GI_COUNTIES[name], row
    assert {"合江荔枝", "汉源花椒", "蒲江猕猴桃", "会理石榴"} <= found


def test_registries_change_between_years() -> None:
    codes = {year: {row["统一社会信用代码"] for row in registry(year, "企业库")} for year in YEARS}
    assert len(codes["2021"] - codes["2020"]) >= 5
    assert len(codes["2022"] - codes["2021"]) >= 5
    owners = {
        year: {row["店铺ID"]: row["统一社会信用代码"] for row in registry(year, "店铺")}
        for year in YEARS
    }
    moved = [
        store for store, code in owners["2022"].items() if owners["2021"].get(store, code) != code
    ]
    assert len(moved) == 1
    since = {
        year: {row["统一社会信用代码"]: row["示范起始年度"] for row in registry(year, "企业库")}
        for year in YEARS
    }
    gained = [code for code, start in since["2021"].items() if start == "2021"]
    assert len(gained) == 1 and since["2020"][gained[0]] == ""


# --- exports -----------------------------------------------------------------------------


def test_taobao_files_are_gbk_with_formula_wrapped_order_ids() -> None:
    paths = sorted((SAMPLES / "inbox").glob("t*/*/Export*.csv"))
    assert paths
    for path in paths:
        data = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        header, *rows = data.decode("gbk").splitlines()
        assert rows and all(row.startswith('="') for row in rows), path.name
        if path.name.startswith("ExportOrderDetailList"):
            assert all(row.endswith(",") for row in rows), path.name
            continue
        columns = next(csv.reader([header]))
        assert "收货地址 " in columns and "订单付款时间 " in columns
        # Exported in July for the first half-year, in January after the second.
        stamp = path.name.removeprefix("ExportOrderList").removesuffix(".csv")
        data_year = int(stamp[:4]) - (stamp[4:6] == "01")
        # v2017 (46 columns) for 2020, v2019 (v2015's 44 + 10) after: platform_headers.json.
        assert len(columns) == (46 if data_year == 2020 else 54), path.name


def test_douyin_files_start_with_a_utf8_bom_and_tab_their_ids() -> None:
    paths = sorted((SAMPLES / "inbox" / "douyin").glob("*/*_订单导出.csv"))
    assert paths
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), path.name
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert all(row["子订单编号"].startswith("\t") for row in rows), path.name


def test_sycm_workbooks_have_four_metadata_rows_and_a_total_row() -> None:
    paths = sorted((SAMPLES / "inbox" / "tmall").glob("*/【生意参谋平台】商品_全部_*.xlsx"))
    assert len(paths) >= 6
    for path in paths:
        rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        assert [row[0] for row in rows[:5]] == ["店铺名称", "统计时间", "终端", "说明", "统计日期"]
        assert rows[-1][0] == "合计"
        amounts = rows[4].index("支付金额")
        total = sum(Decimal(row[amounts].replace(",", "")) for row in rows[5:-1])
        assert Decimal(rows[-1][amounts].replace(",", "")) == total


def test_no_store_has_both_daily_summaries_and_order_files() -> None:
    for folder in sorted((SAMPLES / "inbox").glob("*/*")):
        kinds = {path.suffix for path in folder.iterdir()}
        assert kinds in ({".csv"}, {".xlsx"}), folder


def test_expected_totals_match_the_files(sales: Sales) -> None:
    expected = json.loads((SAMPLES / "expected_totals.json").read_text(encoding="utf-8"))
    for (year, platform), total in sales.totals.items():
        claimed = expected["years"][year]["platforms"][platform]
        assert claimed["gmv"] == str(total["gmv"]), (year, platform)
        assert claimed["refund"] == str(total["refund"]), (year, platform)
        assert claimed["net_sales"] == str(total["gmv"] - total["refund"]), (year, platform)
        assert claimed["order_lines"] == total["order_lines"], (year, platform)
        assert claimed["orders"] == len(total["orders"]), (year, platform)
        assert claimed["item_lines"] == total["item_lines"], (year, platform)
        assert claimed["daily_rows"] == total["daily_rows"], (year, platform)
    for year in YEARS:
        claimed = expected["years"][year]
        parts = [total for (y, _), total in sales.totals.items() if y == year]
        assert claimed["gmv"] == str(sum(total["gmv"] for total in parts)), year
        assert claimed["net_sales"] == str(
            sum(total["gmv"] - total["refund"] for total in parts)
        ), year
        assert claimed["order_lines"] == sum(total["order_lines"] for total in parts), year
    lines = sum(total["order_lines"] for total in sales.totals.values())
    assert 40_000 <= lines <= 80_000


def test_every_month_of_every_year_has_sales(sales: Sales) -> None:
    for year in YEARS:
        months = set()
        for (store_year, _platform, _store), cell in sales.stores.items():
            if store_year == year:
                months |= cell.months
        assert months == set(range(1, 13)), year


# --- histories for the roster --------------------------------------------------------------


def test_newcomers_of_2021_lead_their_pool_and_grow(sales: Sales) -> None:
    ranks = {year: pool_rank(year, sales) for year in ("2021", "2022")}
    newcomers = [
        row["统一社会信用代码"]
        for row in registry("2021", "企业库")
        if row["首次参加年度"] == "2021" and not row["示范类型"]
    ]
    leaders = [
        code
        for code in newcomers
        if ranks["2021"][code][0] <= 6
        and ranks["2022"][code][0] <= 3
        and ranks["2022"][code][2] >= 2 * ranks["2021"][code][2]
    ]
    assert len(leaders) >= 3


def test_some_demonstration_units_fade_small_and_refund_heavy(sales: Sales) -> None:
    units = {year: enterprise_sales(sales, year) for year in YEARS}
    ranks = {year: pool_rank(year, sales) for year in ("2021", "2022")}
    demo = [row["统一社会信用代码"] for row in registry("2022", "企业库") if row["示范类型"]]

    def net(year: str, code: str) -> Decimal:
        unit = units[year].get(code, StoreYear())
        return unit.gmv - unit.refund

    def refund_share(year: str, code: str) -> Decimal:
        unit = units[year].get(code, StoreYear())
        return unit.refund / unit.gmv if unit.gmv else Decimal(0)

    fading = [
        code
        for code in demo
        if 0 < net("2022", code) < net("2021", code) < net("2020", code)
        and min(refund_share("2021", code), refund_share("2022", code)) >= Decimal("0.25")
        and all(ranks[year][code][0] > ranks[year][code][1] / 2 for year in ("2021", "2022"))
    ]
    assert len(fading) >= 3


def test_one_demonstration_unit_has_no_sales_in_2022(sales: Sales) -> None:
    units = enterprise_sales(sales, "2022")
    silent = [
        row["统一社会信用代码"]
        for row in registry("2022", "企业库")
        if row["示范类型"] and row["统一社会信用代码"] not in units
    ]
    assert len(silent) == 1
