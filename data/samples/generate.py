"""Write the bundled samples: three years of registries and platform exports, from one seed.

Everything under `data/samples/` except this script and its test is this script's output:
the registries (`registries/<year>/`), the platform exports (`inbox/<platform>/<store>/`),
`expected_totals.json` and `README.md`. The world is fictional (enterprises, stores,
streamers, buyers); counties, belts and the geographical-indication products are real.

Run from the repository root: `python data/samples/generate.py [--out DIR]`.

It must never read the clock or an unseeded random source (two runs give the same bytes),
never write a real person's data, and never import anything beyond the standard library,
xlsxwriter and the project's vocabularies, credit-code check and plan reader (挂标 names
the events of `data/plans/<year>.yaml`, so the plan is read rather than copied).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from ingest.credit_code import check_character
from ingest.plan import Activity, load_plan, plan_path
from warehouse.vocab import BELTS, DEMONSTRATION_KINDS, ENTERPRISE_TYPES, PLATFORMS

log = logging.getLogger(__name__)

SEED = 2022
YEARS = (2020, 2021, 2022)
SAMPLES_DIR = Path(__file__).resolve().parent
DIVISIONS_FILE = SAMPLES_DIR.parents[1] / "dbt_project" / "seeds" / "divisions.csv"
# Beijing time of the xlsx core properties: fixed so the workbook bytes never change.
XLSX_CREATED = datetime(2023, 1, 3, 9, 0, 0)
BEIJING_OFFSET = timedelta(hours=8)
UNIX_EPOCH = datetime(1970, 1, 1)

# ---------------------------------------------------------------------------------------
# Reference tables
# ---------------------------------------------------------------------------------------

# Real geographical-indication products (NAMES_AND_PRACTICE.md §4): name, county, belt,
# list price range in yuan, spec, harvest months (None: sold all year).
GI_PRODUCTS: list[tuple[str, str, str, tuple[int, int], str, tuple[int, ...] | None]] = [
    ("合江荔枝", "510522", "farm", (98, 168), "妃子笑 5斤装", (6, 7)),
    ("张坝桂圆", "510502", "farm", (59, 99), "鲜桂圆 3斤装", (8, 9)),
    ("汉源花椒", "511823", "seasoning", (39, 79), "大红袍 250g", None),
    ("蒲江猕猴桃", "510131", "farm", (59, 99), "红心 24枚", (9, 10, 11, 12)),
    ("都江堰猕猴桃", "510181", "farm", (55, 89), "绿心 5斤装", (9, 10, 11)),
    ("苍溪红心猕猴桃", "510824", "farm", (69, 109), "特大果 16枚", (9, 10, 11)),
    ("会理石榴", "513402", "farm", (59, 109), "突尼斯软籽 8斤装", (8, 9, 10)),
    ("攀枝花芒果", "510411", "farm", (49, 89), "凯特芒 5斤装", (7, 8, 9, 10)),
    ("攀枝花枇杷", "510421", "farm", (69, 119), "早春枇杷 3斤装", (1, 2, 3)),
    ("资中枇杷", "511025", "farm", (49, 89), "白肉枇杷 3斤装", (4, 5)),
    ("南江杜仲", "511922", "farm", (49, 99), "杜仲雄花茶 100g", None),
    ("老君香菇", "511722", "farm", (39, 79), "干香菇 250g", None),
    ("宣汉桃花米", "511722", "farm", (49, 79), "新米 5kg", None),
    ("茂县李", "513223", "farm", (39, 69), "青脆李 5斤装", (7, 8)),
    ("大竹白茶", "511724", "tea", (128, 298), "明前 100g", None),
    ("中江柚", "510623", "farm", (39, 59), "蜜柚 2个装", (10, 11, 12)),
    ("丹棱脆红李", "511424", "farm", (49, 79), "5斤装", (7, 8)),
    ("得荣树椒", "513338", "seasoning", (29, 59), "干辣椒 250g", None),
    ("石渠人参果", "513332", "farm", (49, 89), "蕨麻 500g", None),
    ("邛崃中蜂蜜", "510183", "farm", (68, 128), "土蜂蜜 500g", None),
    ("金堂油橄榄", "510121", "farm", (98, 198), "特级初榨橄榄油 500ml", None),
    ("南部脆香甜柚", "511321", "farm", (39, 59), "2个装", (10, 11, 12)),
    ("崇庆枇杷茶", "510184", "tea", (98, 198), "罐装 150g", None),
    ("万源马铃薯", "511781", "farm", (29, 49), "高山土豆 10斤装", None),
    ("邻水脐橙", "511623", "farm", (39, 69), "10斤装", (11, 12, 1, 2)),
    ("屏山炒青", "511529", "tea", (88, 198), "明前绿茶 250g", None),
    ("阆中川明参", "511381", "farm", (68, 128), "干片 250g", None),
]

# Generic goods per belt: product, spec, list price range in yuan.
CATALOGUE: dict[str, list[tuple[str, str, tuple[int, int]]]] = {
    "liquor": [
        ("浓香型白酒", "52度 500ml", (168, 598)),
        ("酱香型白酒", "53度 500ml", (298, 899)),
        ("窖藏原浆礼盒", "52度 500ml*2", (499, 1299)),
        ("青梅果酒", "12度 375ml", (59, 99)),
        ("纯粮小酒", "45度 100ml*6", (69, 129)),
    ],
    "tea": [
        ("明前绿茶", "250g 礼盒", (98, 268)),
        ("高山红茶", "200g", (88, 198)),
        ("茉莉花茶", "250g", (48, 128)),
        ("黑茶砖", "500g", (99, 229)),
        ("黄芽", "100g", (128, 298)),
    ],
    "seasoning": [
        ("牛油火锅底料", "400g*2", (29, 59)),
        ("红油豆瓣酱", "500g", (19, 39)),
        ("麻婆豆腐调料", "100g*5", (12, 25)),
        ("藤椒油", "250ml", (25, 49)),
        ("钵钵鸡调料", "300g", (15, 29)),
    ],
    "farm": [
        ("手工腊肉", "500g", (59, 98)),
        ("麻辣香肠", "500g", (49, 89)),
        ("冷吃牛肉", "200g", (59, 128)),
        ("核桃", "1kg", (39, 79)),
        ("土蜂蜜", "500g", (58, 128)),
        ("红薯粉条", "1kg", (19, 39)),
        ("麻辣笋丝", "200g*3", (29, 59)),
        ("干木耳", "250g", (39, 79)),
        ("银耳", "250g", (49, 99)),
        ("晚熟柑橘", "5斤装", (35, 69)),
    ],
    "home": [
        ("实木餐桌", "1.4m", (1299, 3999)),
        ("布艺沙发", "三人位", (1999, 5999)),
        ("竹编收纳篮", "3件套", (59, 129)),
        ("实木床", "1.8m", (2299, 4999)),
        ("蜀绣抱枕", "45cm", (89, 199)),
    ],
    "textile": [
        ("真丝围巾", "180cm", (129, 399)),
        ("羊绒衫", "均码", (299, 699)),
        ("真皮女鞋", "36-40码", (199, 499)),
        ("蜀锦手包", "小号", (159, 359)),
    ],
    "other": [("文创礼盒", "套装", (69, 199))],
}

# Goods only the plateau counties (Ganzi, Aba) make.
PLATEAU_GOODS = [("牦牛肉干", "250g", (89, 168)), ("青稞饼", "500g", (29, 49))]

COMPANY_SUFFIX: dict[str, list[str]] = {
    "liquor": ["酒业有限公司", "酿酒有限公司"],
    "tea": ["茶业有限公司", "茶叶有限公司"],
    "seasoning": ["食品有限公司", "调味品有限公司"],
    "farm": ["农业开发有限公司", "生态农业有限公司", "食品有限公司", "农产品有限公司"],
    "home": ["家居有限公司", "家具有限公司"],
    "textile": ["服饰有限公司", "丝绸有限公司"],
    "agency": ["文化传媒有限公司", "网络科技有限公司"],
    "service": ["电子商务有限公司", "供应链管理有限公司"],
}

BRAND_FIRST = "蜀锦峨岷雅嘉涪沱禾岭溪竹椒麓荷璞蓉邛芙槿"
BRAND_SECOND = "韵源禾香谷乡丰润品然悦和泉鲜坊田露沐瑞"
# Two-character names too close to real, famous Sichuan companies or places.
BRAND_AVOID = ("锦江", "岷江", "蜀香", "雅安", "禾丰", "嘉禾")

# Months of the annual plan with events (seed notice: 1, 3, 5, 6, 7, 9, 10, 11, 12).
MONTH_WEIGHT = {
    1: 1.1,
    2: 0.6,
    3: 0.9,
    4: 0.6,
    5: 0.9,
    6: 1.2,
    7: 0.9,
    8: 0.7,
    9: 1.0,
    10: 1.2,
    11: 2.0,
    12: 1.6,
}
PEAK_DAYS = {
    (11, 11): 6.0,
    (11, 10): 2.5,
    (12, 12): 3.0,
    (6, 18): 3.0,
    (6, 17): 1.6,
    (9, 9): 2.0,
    (3, 3): 1.6,
    (5, 5): 1.6,
    (7, 7): 1.6,
    (12, 18): 2.0,
}

BUYER_PLACES = [
    ("四川省", "成都市", "武侯区"),
    ("四川省", "成都市", "锦江区"),
    ("四川省", "绵阳市", "涪城区"),
    ("重庆", "重庆市", "渝北区"),
    ("广东省", "广州市", "越秀区"),
    ("广东省", "深圳市", "南山区"),
    ("北京", "北京市", "朝阳区"),
    ("上海", "上海市", "浦东新区"),
    ("浙江省", "杭州市", "西湖区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("湖北省", "武汉市", "洪山区"),
    ("陕西省", "西安市", "雁塔区"),
    ("云南省", "昆明市", "五华区"),
    ("贵州省", "贵阳市", "其它区"),
]
CARRIERS = ["中通快递", "圆通速递", "韵达快递", "顺丰速运", "邮政EMS"]

STREAMER_NAMES = [
    "川妹子小鹿",
    "巴山阿杰",
    "蜀地吃货王",
    "熊猫姐姐带你逛",
    "乡村小周",
    "茶山阿秀",
    "酒坊老李",
    "峨眉山下的阿花",
    "辣妹子丽丽",
    "攀西果农小王",
    "大凉山小英",
    "蓉城好物推荐官",
    "川西行者",
    "果园里的小月",
    "老坛子阿婆",
    "蜀绣姑娘",
    "椒香小哥",
    "川味研究所",
    "山货小胖",
    "竹林七七",
    "雅鱼哥",
    "麻辣宇宙",
]

ENTERPRISE = "enterprise"
AGENCY = "agency"
SERVICE = "service"
BASE = "base"

# ---------------------------------------------------------------------------------------
# The fictional world
# ---------------------------------------------------------------------------------------


@dataclass
class County:
    code: str
    name: str
    city_code: str
    city_name: str


@dataclass
class Enterprise:
    credit_code: str
    name: str
    county: str
    kind: str  # ENTERPRISE_TYPES code
    belts: list[str]
    first_year: int
    role: str = "normal"
    last_year: int = 2022
    demo_kind: str | None = None
    demo_since: int | None = None
    time_honoured: bool = False
    focused: bool = False
    factors: dict[int, float] = field(default_factory=dict)
    refund_rates: dict[int, float] = field(default_factory=dict)

    def in_registry(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def demo_in(self, year: int) -> tuple[str, int] | None:
        if self.demo_kind and self.demo_since is not None and self.demo_since <= year:
            return self.demo_kind, self.demo_since
        return None


@dataclass
class Product:
    code: str
    name: str
    belt: str
    origin: str
    is_gi: bool
    owner: str  # credit code
    price_fen: int
    spec: str
    merchant_code: str
    season: tuple[int, ...] | None = None


@dataclass
class Store:
    platform: str
    store_id: str
    name: str
    owners: dict[int, str]  # year -> credit code
    feed: str  # "orders" or "daily"
    base: float  # orders a year (orders feed) or gmv in yuan a year (daily feed)
    items: dict[int, list[tuple[Product, str]]] = field(default_factory=dict)
    streamers: list[Streamer] = field(default_factory=list)
    own_account: tuple[str, str] | None = None


@dataclass
class Streamer:
    streamer_id: str
    nickname: str
    agency: str | None
    first_year: int


@dataclass
class World:
    counties: dict[str, County]
    enterprises: list[Enterprise]
    products: list[Product]
    stores: list[Store]
    streamers: list[Streamer]


def load_counties() -> dict[str, County]:
    with DIVISIONS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cities = {row["code"]: row["name"] for row in rows if row["level"] == "prefecture"}
    return {
        row["code"]: County(
            row["code"], row["name"], row["parent_code"], cities[row["parent_code"]]
        )
        for row in rows
        if row["level"] == "county"
    }


class Ids:
    """Unique random identifiers in the shapes the platforms use."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def digits(self, length: int, prefix: str = "") -> str:
        while True:
            body = "".join(self.rng.choice("0123456789") for _ in range(length - len(prefix)))
            value = prefix + body
            if value[0] != "0" and value not in self.seen:
                self.seen.add(value)
                return value

    def credit_code(self, county: str, new_style: bool) -> str:
        """91 + registration authority (the county) + organisation code + check character."""
        while True:
            if new_style:
                tail = "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(5))
                body = "MA6" + tail
            else:
                body = "".join(self.rng.choice("0123456789") for _ in range(8))
            org = body + _organisation_check(body)
            first17 = "91" + county + org
            code = first17 + check_character(first17)
            if code not in self.seen:
                self.seen.add(code)
                return code


def _organisation_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight
        for char, weight in zip(body, weights, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


TMALL, TMALL_DAILY = ("tmall", "orders"), ("tmall", "daily")
TAOBAO, DOUYIN = ("taobao", "orders"), ("douyin", "orders")

# Enterprises whose place, kind and history are chosen by hand: county, kind, belts,
# first year, role, demonstration (kind, since), stores as (platform, feed).
Plan = tuple[str, str, list[str], int, str, tuple[str, int] | None, list[tuple[str, str]]]
ANCHORS: list[Plan] = [
    # 川酒: 宜宾 and 泸州 (the two big ones sell by the day through Tmall 生意参谋).
    ("511502", ENTERPRISE, ["liquor"], 2018, "big", ("enterprise", 2018), [TMALL_DAILY, DOUYIN]),
    ("510502", ENTERPRISE, ["liquor"], 2018, "big", ("enterprise", 2018), [TMALL_DAILY, TMALL]),
    ("511504", ENTERPRISE, ["liquor"], 2018, "normal", ("enterprise", 2019), [TMALL, DOUYIN]),
    ("511503", ENTERPRISE, ["liquor"], 2019, "normal", None, [TAOBAO]),
    (
        "510504",
        ENTERPRISE,
        ["liquor"],
        2018,
        "normal",
        ("enterprise", 2018),
        [TMALL, DOUYIN, TAOBAO],
    ),
    ("510503", ENTERPRISE, ["liquor"], 2019, "normal", None, [DOUYIN]),
    (
        "510525",
        ENTERPRISE,
        ["liquor", "farm"],
        2018,
        "normal",
        ("enterprise", 2019),
        [TMALL, DOUYIN],
    ),
    ("510521", ENTERPRISE, ["liquor"], 2020, "normal", None, [TAOBAO]),
    ("510683", ENTERPRISE, ["liquor"], 2019, "normal", None, [TMALL]),
    ("510981", ENTERPRISE, ["liquor"], 2019, "normal", None, [DOUYIN]),
    # 川茶: 雅安, 宜宾, 乐山.
    ("511803", ENTERPRISE, ["tea"], 2018, "normal", ("enterprise", 2018), [TMALL, DOUYIN]),
    ("511802", ENTERPRISE, ["tea"], 2019, "normal", None, [TAOBAO]),
    ("511822", ENTERPRISE, ["tea"], 2018, "weak", ("enterprise", 2018), [TMALL, DOUYIN]),
    ("511527", ENTERPRISE, ["tea"], 2019, "normal", None, [TAOBAO]),
    ("511525", ENTERPRISE, ["tea"], 2020, "normal", None, [DOUYIN]),
    ("511126", ENTERPRISE, ["tea"], 2019, "gains2021", ("enterprise", 2021), [TMALL, DOUYIN]),
    ("511181", ENTERPRISE, ["tea", "farm"], 2018, "normal", ("enterprise", 2018), [TMALL, TAOBAO]),
    ("511129", ENTERPRISE, ["tea"], 2020, "normal", None, [TAOBAO]),
    ("511133", ENTERPRISE, ["tea"], 2021, "normal", None, [DOUYIN]),
    # 川调味: 郫都, 自贡.
    (
        "510117",
        ENTERPRISE,
        ["seasoning"],
        2018,
        "moved_from",
        ("enterprise", 2018),
        [TMALL, DOUYIN],
    ),
    ("510117", ENTERPRISE, ["seasoning"], 2019, "normal", None, [TAOBAO, DOUYIN]),
    ("510117", ENTERPRISE, ["seasoning"], 2022, "normal", None, [DOUYIN]),
    (
        "510302",
        ENTERPRISE,
        ["seasoning", "farm"],
        2018,
        "normal",
        ("enterprise", 2019),
        [TMALL, DOUYIN],
    ),
    ("510303", ENTERPRISE, ["seasoning"], 2019, "normal", None, [TAOBAO]),
    ("510304", ENTERPRISE, ["seasoning"], 2020, "normal", None, [DOUYIN]),
    ("510322", ENTERPRISE, ["seasoning", "farm"], 2019, "normal", None, [TAOBAO]),
    ("510116", ENTERPRISE, ["seasoning"], 2019, "moved_to", None, [DOUYIN]),
    # 川家居: 成都, 崇州.
    ("510114", ENTERPRISE, ["home"], 2018, "big", ("enterprise", 2018), [TMALL_DAILY, DOUYIN]),
    ("510114", ENTERPRISE, ["home"], 2019, "normal", None, [TAOBAO]),
    ("510184", ENTERPRISE, ["home"], 2018, "normal", ("enterprise", 2019), [TMALL]),
    ("510184", ENTERPRISE, ["home"], 2021, "normal", None, [TAOBAO]),
    ("510115", ENTERPRISE, ["home"], 2020, "normal", None, [TMALL]),
    ("510112", ENTERPRISE, ["home"], 2019, "normal", None, [DOUYIN]),
    # 川纺织服装.
    ("510107", ENTERPRISE, ["textile"], 2019, "normal", None, [TMALL, DOUYIN]),
    ("511302", ENTERPRISE, ["textile"], 2018, "normal", ("enterprise", 2019), [TAOBAO, DOUYIN]),
    ("511303", ENTERPRISE, ["textile"], 2022, "normal", None, [DOUYIN]),
    # Live-streaming agencies.
    ("510104", AGENCY, ["farm", "seasoning"], 2018, "normal", ("enterprise", 2018), [DOUYIN]),
    ("510105", AGENCY, ["farm", "tea"], 2019, "normal", None, [DOUYIN]),
    ("510106", AGENCY, ["farm"], 2020, "normal", None, [DOUYIN]),
    ("510108", AGENCY, ["farm", "seasoning"], 2021, "star", None, [DOUYIN]),
    ("510703", AGENCY, ["farm"], 2019, "normal", None, [DOUYIN]),
    ("511702", AGENCY, ["farm"], 2021, "normal", None, [DOUYIN]),
    ("510603", AGENCY, ["farm"], 2022, "normal", None, [DOUYIN]),
    # Service enterprises.
    ("511402", SERVICE, ["farm"], 2018, "normal", ("enterprise", 2018), [TMALL, TAOBAO]),
    ("511902", SERVICE, ["farm"], 2019, "normal", None, [TAOBAO]),
    ("510903", SERVICE, ["farm"], 2020, "normal", None, [TAOBAO]),
    ("511002", SERVICE, ["farm"], 2019, "leaves2022", None, [TAOBAO]),
    ("511102", SERVICE, ["farm", "tea"], 2021, "normal", None, [DOUYIN]),
    # Industrial bases.
    ("510421", BASE, ["farm"], 2018, "normal", ("base", 2018), [DOUYIN, TAOBAO]),
    ("510623", BASE, ["farm"], 2018, "weak", ("base", 2018), [TAOBAO]),
    ("510682", BASE, ["farm", "liquor"], 2019, "normal", ("base", 2019), [DOUYIN]),
    ("512021", BASE, ["farm"], 2019, "normal", ("base", 2019), [TMALL, DOUYIN]),
    ("510131", BASE, ["farm"], 2020, "normal", None, [DOUYIN]),
    # Newcomers of 2021 that lead their pool at once and grow.
    ("510118", ENTERPRISE, ["seasoning"], 2021, "star", None, [TMALL_DAILY, DOUYIN]),
    ("511523", ENTERPRISE, ["liquor"], 2021, "star", None, [TMALL_DAILY, DOUYIN]),
    ("512022", ENTERPRISE, ["farm"], 2021, "star", None, [TMALL_DAILY, DOUYIN]),
    # Demonstration units that fade.
    ("511921", ENTERPRISE, ["farm"], 2018, "weak", ("enterprise", 2018), [TAOBAO, DOUYIN]),
    ("510321", ENTERPRISE, ["farm"], 2018, "silent2022", ("enterprise", 2018), [TAOBAO]),
]

# The GI enterprises that are demonstration units: county -> (kind, first year of status).
GI_DEMONSTRATION = {
    "510522": ("enterprise", 2018),
    "511823": ("enterprise", 2019),
    "513402": ("enterprise", 2018),
    "510131": ("enterprise", 2019),
    "510824": ("enterprise", 2019),
    "511724": ("enterprise", 2018),
}


def _brands(rng: random.Random) -> Iterator[str]:
    names = [
        first + second
        for first in BRAND_FIRST
        for second in BRAND_SECOND
        if first != second and first + second not in BRAND_AVOID
    ]
    rng.shuffle(names)
    yield from names


def _short_city(name: str) -> str:
    return (
        name.replace("藏族羌族自治州", "")
        .replace("藏族自治州", "")
        .replace("彝族自治州", "")
        .removesuffix("市")
    )


def _company_name(
    rng: random.Random, county: County, kind: str, belt: str, brand: str, product_hint: str
) -> str:
    if kind == BASE:
        return f"{county.name}{product_hint}电商产业园"
    suffix = rng.choice(COMPANY_SUFFIX[kind if kind in (AGENCY, SERVICE) else belt])
    roll = rng.random()
    if roll < 0.5:
        prefix = "四川"
    elif roll < 0.75 or county.name.endswith("区"):
        prefix = _short_city(county.city_name)
    else:
        prefix = county.name
    return f"{prefix}{brand}{suffix}"


GiRow = tuple[str, str, str, tuple[int, int], str, tuple[int, ...] | None]
# How many counties get one farm-goods enterprise beyond the hand-picked ones.
FILLER_COUNTIES = 78


def build_world(rng: random.Random) -> World:
    """The fictional programme: enterprises, their products and stores, the streamers."""
    counties = load_counties()
    ids = Ids(rng)
    brands = _brands(rng)
    gi_by_county: dict[str, list[GiRow]] = {}
    for gi in GI_PRODUCTS:
        gi_by_county.setdefault(gi[1], []).append(gi)
    plans, spare_counties = _plans(rng, counties, gi_by_county)

    world = World(counties, [], [], [], [])
    for county_code, kind, belts, first, role, demo, store_plan in plans:
        county = counties[county_code]
        gis = gi_by_county.get(county_code, []) if role == "gi" else []
        brand = next(brands)
        belt_codes = list(belts) + [gi[2] for gi in gis if gi[2] not in belts]
        hint = gis[0][0] if gis else BELTS[belts[0]]
        enterprise = Enterprise(
            credit_code=ids.credit_code(county_code, new_style=first >= 2020 or rng.random() < 0.4),
            name=_company_name(rng, county, kind, belts[0], brand, hint),
            county=county_code,
            kind=kind,
            belts=belt_codes,
            first_year=first,
            role=role,
            last_year=2021 if role == "leaves2022" else 2022,
            demo_kind=demo[0] if demo else None,
            demo_since=demo[1] if demo else None,
            time_honoured=role == "big"
            or (belts[0] in ("liquor", "seasoning") and first == 2018 and rng.random() < 0.3),
            focused=rng.random() < 0.3 or role == "star",
        )
        _set_trajectory(rng, enterprise)
        world.enterprises.append(enterprise)
        own = _products(rng, enterprise, county, brand, gis, spare_counties, len(world.products))
        world.products.extend(own)
        for platform, feed in store_plan:
            store = _store(rng, ids, enterprise, brand, own, platform, feed)
            while any(other.name == store.name for other in world.stores):
                store.name = store.name.replace("旗舰店", "专营店").replace("店", "二店", 1)
            world.stores.append(store)

    world.streamers = _streamers(rng, ids, world.enterprises)
    _move_store(world)
    _attach_streamers(rng, world)
    return world


def _plans(
    rng: random.Random, counties: dict[str, County], gi_by_county: dict[str, list[GiRow]]
) -> tuple[list[Plan], list[str]]:
    """The hand-picked enterprises, one per GI county, then farm goods in other counties."""
    plans: list[Plan] = list(ANCHORS)
    for county, demo in GI_DEMONSTRATION.items():
        plans.append((county, ENTERPRISE, ["farm"], 2018, "gi", demo, [TMALL, DOUYIN]))
    for county in gi_by_county:
        if county not in GI_DEMONSTRATION:
            first = rng.choice([2018, 2019, 2019, 2020, 2021])
            stores = rng.choice([[TAOBAO], [DOUYIN], [TMALL, DOUYIN]])
            plans.append((county, ENTERPRISE, ["farm"], first, "gi", None, stores))
    used = {plan[0] for plan in plans}
    others = [code for code in counties if code not in used]
    rng.shuffle(others)
    for county in others[:FILLER_COUNTIES]:
        first = rng.choices([2018, 2019, 2020, 2021, 2022], weights=[30, 30, 15, 12, 13])[0]
        stores = rng.choice([[TAOBAO], [DOUYIN], [TAOBAO, DOUYIN], [TMALL, DOUYIN]])
        belts = ["farm"] if rng.random() < 0.8 else ["farm", rng.choice(["tea", "seasoning"])]
        plans.append((county, ENTERPRISE, belts, first, "normal", None, stores))
    return plans, others[FILLER_COUNTIES:]


def _products(
    rng: random.Random,
    enterprise: Enterprise,
    county: County,
    brand: str,
    gis: list[GiRow],
    spare_counties: list[str],
    numbered: int,
) -> list[Product]:
    """Two to four products: the county's GI goods first, then goods of the belts."""
    own: list[Product] = []
    for gi_name, origin, belt, (low, high), spec, season in gis:
        own.append(
            Product(
                code=f"HW{numbered + len(own) + 1:05d}",
                name=f"{gi_name} {spec}",
                belt=belt,
                origin=origin,
                is_gi=True,
                owner=enterprise.credit_code,
                price_fen=rng.randint(low, high) * 100 - 10,
                spec=spec,
                merchant_code="",
                season=season,
            )
        )
    goods = [(*good, enterprise.belts[0]) for good in CATALOGUE[enterprise.belts[0]]]
    if county.city_code in ("513200", "513300"):
        goods = [(*good, "farm") for good in PLATEAU_GOODS] + goods
    for extra_belt in enterprise.belts[1:]:
        goods += [(*good, extra_belt) for good in CATALOGUE[extra_belt][:2]]
    wanted = rng.randint(2, 4)
    picks = goods[:1] + rng.sample(goods[1:], k=min(len(goods) - 1, wanted))
    for good, spec, (low, high), belt in picks:
        if len(own) >= wanted:
            break
        origin = county.code
        if enterprise.kind in (AGENCY, SERVICE) and rng.random() < 0.6:
            # Agencies and service firms sell other counties' goods.
            origin = rng.choice(spare_counties)
        own.append(
            Product(
                code=f"HW{numbered + len(own) + 1:05d}",
                name=f"{brand}{good} {spec}",
                belt=belt,
                origin=origin,
                is_gi=False,
                owner=enterprise.credit_code,
                price_fen=rng.randint(low, high) * 100 - rng.choice([0, 10, 100]),
                spec=spec,
                merchant_code="",
            )
        )
    for product in own:
        product.merchant_code = f"{product.code[2:]}-{rng.choice('ABCDEFGH')}{rng.randint(1, 9)}"
    return own


def _store(
    rng: random.Random,
    ids: Ids,
    enterprise: Enterprise,
    brand: str,
    own: list[Product],
    platform: str,
    feed: str,
) -> Store:
    """One store of the enterprise, listing all its products under stable item keys."""
    store_id = ids.digits(8) if platform == "douyin" else ids.digits(rng.randint(9, 11))
    years = [year for year in YEARS if enterprise.in_registry(year)]
    store = Store(
        platform=platform,
        store_id=store_id,
        name=_store_name(rng, brand, enterprise.belts[0], platform, enterprise.kind),
        owners={year: enterprise.credit_code for year in years},
        feed=feed,
        base=_store_base(rng, enterprise, feed),
    )
    if platform == "douyin":
        store.own_account = (ids.digits(11), f"{brand}官方直播间")
    listing = [(product, _item_key(ids, platform, feed, product)) for product in own]
    store.items = {year: list(listing) for year in years}
    return store


def _item_key(ids: Ids, platform: str, feed: str, product: Product) -> str:
    """The key a platform file gives the item: what the product registry lists."""
    if platform == "douyin":
        return ids.digits(19, "3")
    if feed == "daily":
        return ids.digits(12, "6")
    return product.merchant_code


def _store_name(rng: random.Random, brand: str, belt: str, platform: str, kind: str) -> str:
    if platform == "tmall":
        goods = {"liquor": "酒类", "tea": "茶叶", "home": "家居"}.get(belt, "食品")
        return f"{brand}{goods}旗舰店" if rng.random() < 0.6 else f"{brand}旗舰店"
    if platform == "taobao":
        return f"{brand}{rng.choice(['特产店', '农家小店', '老店', '源产地店'])}"
    if kind == AGENCY:
        return f"{brand}好物直播小店"
    return f"{brand}{rng.choice(['官方旗舰店', '抖音小店', '源头工厂店'])}"


def _store_base(rng: random.Random, enterprise: Enterprise, feed: str) -> float:
    if feed == "daily":
        if enterprise.role == "star":
            return rng.uniform(3_200_000, 4_600_000)
        return rng.uniform(5_500_000, 8_500_000)
    if enterprise.role == "star":
        return rng.uniform(1100, 1300) if enterprise.kind == AGENCY else rng.uniform(500, 650)
    if enterprise.role == "weak":
        return rng.uniform(60, 90)
    base = math.exp(rng.gauss(math.log(50), 0.55))
    base *= {AGENCY: 2.5, SERVICE: 1.8, BASE: 2.2}.get(enterprise.kind, 1.0)
    if enterprise.role == "big":
        base *= 2.5
    elif enterprise.demo_kind:
        base *= 1.6
    return max(45.0, min(base, 480.0))


def _set_trajectory(rng: random.Random, enterprise: Enterprise) -> None:
    """Yearly sales multipliers and refund rates: the history the roster rules will read."""
    level = 1.0 if enterprise.first_year <= 2020 else rng.uniform(0.5, 0.8)
    for year in YEARS:
        if year < enterprise.first_year:
            enterprise.factors[year] = 0.0
            continue
        enterprise.factors[year] = level
        enterprise.refund_rates[year] = rng.uniform(0.03, 0.08)
        level *= rng.uniform(0.85, 1.35)
    if enterprise.role == "star":
        enterprise.factors.update({2020: 0.0, 2021: 1.0, 2022: rng.uniform(2.5, 2.9)})
    elif enterprise.role == "big":
        enterprise.factors.update({2020: 1.0, 2021: 1.06, 2022: 1.1})
    elif enterprise.role == "weak":
        enterprise.factors.update({2020: 1.0, 2021: 0.4, 2022: 0.18})
        enterprise.refund_rates.update({2021: 0.36, 2022: 0.44})
    elif enterprise.role in ("silent2022", "leaves2022"):
        enterprise.factors[2022] = 0.0
        if enterprise.role == "silent2022":
            enterprise.factors[2021] = 0.5
            enterprise.refund_rates[2021] = 0.3


def _streamers(rng: random.Random, ids: Ids, enterprises: list[Enterprise]) -> list[Streamer]:
    agencies = [e for e in enterprises if e.kind == AGENCY]
    streamers = []
    for index, nickname in enumerate(STREAMER_NAMES):
        agency = agencies[index % len(agencies)] if index < 14 else None
        first = rng.choice([2020, 2020, 2021, 2022])
        if agency is not None:
            first = max(first, agency.first_year)
        streamers.append(
            Streamer(ids.digits(11), nickname, agency.credit_code if agency else None, first)
        )
    return streamers


def _move_store(world: World) -> None:
    """In 2022 the Tmall store of one seasoning firm and its goods go to a sister firm."""
    seller = next(e for e in world.enterprises if e.role == "moved_from")
    buyer = next(e for e in world.enterprises if e.role == "moved_to")
    store = next(
        s
        for s in world.stores
        if s.platform == "tmall" and s.owners.get(2021) == seller.credit_code
    )
    store.owners[2022] = buyer.credit_code
    moved = []
    next_code = max(int(product.code[2:]) for product in world.products) + 1
    for offset, (product, key) in enumerate(store.items[2022]):
        copy = replace(product, code=f"HW{next_code + offset:05d}", owner=buyer.credit_code)
        moved.append((copy, key))
    store.items[2022] = moved
    world.products.extend(product for product, _ in moved)


def _attach_streamers(rng: random.Random, world: World) -> None:
    by_agency: dict[str, list[Streamer]] = {}
    for streamer in world.streamers:
        if streamer.agency:
            by_agency.setdefault(streamer.agency, []).append(streamer)
    for store in world.stores:
        if store.platform != "douyin":
            continue
        owner = next(iter(store.owners.values()))
        own = by_agency.get(owner, [])
        guests = rng.sample(world.streamers, k=rng.randint(0, 3))
        store.streamers = own + [s for s in guests if s not in own]


# ---------------------------------------------------------------------------------------
# Sales
# ---------------------------------------------------------------------------------------


@dataclass
class Line:
    product: Product
    key: str
    quantity: int
    price_fen: int
    discount_fen: int = 0  # merchant-funded, the buyer does not pay it
    subsidy_fen: int = 0  # platform-funded, the buyer does not pay it either
    postage_fen: int = 0
    after_sale: str = "-"  # douyin: -, 退款成功, 售后关闭

    @property
    def paid_fen(self) -> int:
        return (
            self.price_fen * self.quantity
            - self.discount_fen
            - self.subsidy_fen
            + (self.postage_fen)
        )


@dataclass
class Order:
    order_id: str
    created: datetime
    paid: datetime | None
    lines: list[Line]
    postage_fen: int
    refund_fen: int
    buyer: int
    place: tuple[str, str, str]
    channel: str = "商品卡"
    streamer: tuple[str, str] | None = None
    line_ids: list[str] = field(default_factory=list)

    @property
    def goods_fen(self) -> int:
        return sum(line.price_fen * line.quantity - line.discount_fen for line in self.lines)

    @property
    def total_fen(self) -> int:
        return self.goods_fen + self.postage_fen


def _day_weights(year: int, season: tuple[int, ...] | None) -> tuple[list[date], list[float]]:
    days, weights = [], []
    day = date(year, 1, 1)
    while day.year == year:
        weight = MONTH_WEIGHT[day.month] * PEAK_DAYS.get((day.month, day.day), 1.0)
        if season is not None:
            weight *= 4.0 if day.month in season else 0.12
        days.append(day)
        weights.append(weight)
        day += timedelta(days=1)
    total = 0.0
    cumulative = []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return days, cumulative


def _moment(rng: random.Random, day: date) -> datetime:
    hour = rng.choices(
        range(24), weights=[3, 2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 4, 4, 4, 5, 6, 7, 9, 10, 9, 6]
    )[0]
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))


def simulate_store_year(
    rng: random.Random, ids: Ids, store: Store, owner: Enterprise, year: int
) -> list[Order]:
    """The orders of one store in one year, scaled by its owner's trajectory."""
    factor = owner.factors.get(year, 0.0)
    items = store.items.get(year, [])
    if factor <= 0 or not items:
        return []
    count = max(6, round(store.base * factor * rng.uniform(0.9, 1.1)))
    refund_rate = owner.refund_rates.get(year, 0.05)
    seasons = {product.season for product, _ in items}
    calendars = {season: _day_weights(year, season) for season in seasons}
    orders = []
    for _ in range(count):
        product, key = rng.choice(items)
        days, cumulative = calendars[product.season]
        created = _moment(rng, rng.choices(days, cum_weights=cumulative)[0])
        orders.append(_order(rng, ids, store, items, product, key, created, refund_rate))
    return orders


def _order(
    rng: random.Random,
    ids: Ids,
    store: Store,
    items: list[tuple[Product, str]],
    product: Product,
    key: str,
    created: datetime,
    refund_rate: float,
) -> Order:
    """One order: its lines, coupon, postage, payment, and what happened after the sale."""
    chosen = [(product, key)]
    extra = rng.choices([0, 1, 2], weights=[82, 14, 4])[0]
    others = [item for item in items if item[0] is not product]
    chosen += rng.sample(others, k=min(extra, len(others)))
    lines = []
    for item_product, item_key in chosen:
        quantity = rng.choices([1, 2, 3, 4], weights=[55, 28, 12, 5])[0]
        if item_product.price_fen > 100_000:
            quantity = 1
        lines.append(Line(item_product, item_key, quantity, item_product.price_fen))
    list_fen = sum(line.price_fen * line.quantity for line in lines)
    if len(lines) > 1 or rng.random() < 0.45:
        # A shop coupon, spread over the lines so that line amounts stay consistent.
        coupon = max(100, round(list_fen * rng.uniform(0.03, 0.15) / 100) * 100)
        for line in lines:
            line.discount_fen = coupon * line.price_fen * line.quantity // list_fen
        lines[0].discount_fen += coupon - sum(line.discount_fen for line in lines)
    postage = rng.choices([0, 600, 800, 1000, 1200], weights=[80, 5, 6, 5, 4])[0]
    if store.platform == "douyin":
        if rng.random() < 0.15:
            lines[0].subsidy_fen = rng.choice([300, 500, 1000])
        lines[0].postage_fen = postage
    unpaid = rng.random() < 0.045
    paid = None if unpaid else created + timedelta(seconds=rng.randint(5, 900))
    if paid is not None and paid.year != created.year:
        # Keep chance out of the year boundary; the one deliberate crossing is set apart.
        paid = created
    order = Order(
        order_id=ids.digits(19, "69") if store.platform == "douyin" else ids.digits(19),
        created=created,
        paid=paid,
        lines=lines,
        postage_fen=postage,
        refund_fen=0,
        buyer=rng.randrange(1, 400_000),
        place=rng.choice(BUYER_PLACES),
    )
    if store.platform == "douyin":
        _douyin_order(rng, ids, store, order, refund_rate)
    elif paid is not None:
        _taobao_refund(rng, order, refund_rate)
    return order


def _douyin_order(
    rng: random.Random, ids: Ids, store: Store, order: Order, refund_rate: float
) -> None:
    """子订单 ids, the channel and streamer, and each 子订单's after-sale outcome."""
    lines = order.lines
    order.line_ids = [order.order_id] if len(lines) == 1 else [ids.digits(19, "69") for _ in lines]
    channel = rng.choices(["直播", "短视频", "商品卡"], weights=[55, 20, 25])[0]
    order.channel = channel
    if channel != "商品卡":
        hosts = [
            (s.streamer_id, s.nickname)
            for s in store.streamers
            if s.first_year <= order.created.year
        ]
        if store.own_account:
            hosts.append(store.own_account)
        order.streamer = rng.choice(hosts) if hosts else store.own_account
    if order.paid is not None:
        for line in lines:
            roll = rng.random()
            if roll < refund_rate:
                line.after_sale = "退款成功"
            elif roll < refund_rate + 0.03:
                # The buyer asked and withdrew, or the seller refused: no money back.
                line.after_sale = "售后关闭"


def _taobao_refund(rng: random.Random, order: Order, refund_rate: float) -> None:
    """A paid order is refunded whole (closed), in part (still 交易成功), or not at all."""
    roll = rng.random()
    if roll < refund_rate:
        order.refund_fen = order.total_fen
    elif roll < refund_rate + 0.02 + refund_rate / 4:
        share = rng.uniform(0.1, 0.6)
        order.refund_fen = max(100, round(order.total_fen * share / 10) * 10)


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# A store with more orders than this in a year downloads them per half-year, else at once.
BIG_STORE_ORDERS = 400


def export_periods(year: int, orders: list[Order]) -> list[tuple[list[Order], datetime]]:
    """The store's downloads of a year: each with its orders and the moment of export."""
    if len(orders) <= BIG_STORE_ORDERS:
        return [(orders, datetime(year + 1, 1, 2, 9))]
    first = [order for order in orders if order.created.month <= 6]
    second = [order for order in orders if order.created.month > 6]
    return [(first, datetime(year, 7, 1, 9)), (second, datetime(year + 1, 1, 2, 9))]


def export_time(start: datetime, store_id: str) -> datetime:
    """Stores download in the first days after the period, each at its own minute."""
    return start + timedelta(minutes=int(store_id[-3:]) * 7)


TAOBAO_V2015 = [
    "订单编号",
    "买家会员名",
    "买家支付宝账号",
    "买家应付货款",
    "买家应付邮费",
    "买家支付积分",
    "总金额",
    "返点积分",
    "买家实际支付金额",
    "买家实际支付积分",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址 ",
    "运送方式",
    "联系电话 ",
    "联系手机",
    "订单创建时间",
    "订单付款时间 ",
    "宝贝标题 ",
    "宝贝种类 ",
    "物流单号 ",
    "物流公司",
    "订单备注",
    "宝贝总数量",
    "店铺Id",
    "店铺名称",
    "订单关闭原因",
    "卖家服务费",
    "买家服务费",
    "发票抬头",
    "是否手机订单",
    "分阶段订单信息",
    "特权订金订单id",
    "是否上传合同照片",
    "是否上传小票",
    "是否代付",
    "定金排名",
    "修改后的sku",
    "修改后的收货地址",
    "异常信息",
    "天猫卡券抵扣",
    "集分宝抵扣",
    "是否是O2O交易",
]
TAOBAO_V2017 = [*TAOBAO_V2015, "退款金额", "预约门店"]
TAOBAO_V2019 = [
    *TAOBAO_V2015,
    "新零售交易类型",
    "新零售导购门店名称",
    "新零售导购门店id",
    "新零售发货门店名称",
    "新零售发货门店id",
    "退款金额",
    "预约门店",
    "确认收货时间",
    "打款商家金额",
    "含应开票给个人的个人红包",
]
TAOBAO_ITEMS = [
    "订单编号",
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "备注",
    "订单状态",
    "商家编码",
]
DOUYIN_COLUMNS = [
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品规格",
    "商品数量",
    "商品ID",
    "商家编码",
    "商品单价",
    "订单应付金额",
    "运费",
    "优惠总金额",
    "平台优惠",
    "商家优惠",
    "达人优惠",
    "支付方式",
    "收件人",
    "收件人手机号",
    "省",
    "市",
    "区",
    "街道",
    "详细地址",
    "买家留言",
    "订单提交时间",
    "商家备注",
    "订单完成时间",
    "支付完成时间",
    "APP渠道",
    "流量来源",
    "订单状态",
    "订单类型",
    "达人ID",
    "达人昵称",
    "售后状态",
    "取消原因",
    "流量类型",
    "流量体裁",
    "流量渠道",
    "发货时间",
]
# Douyin columns that carry long numbers, written with a leading tab as the platform does.
DOUYIN_TABBED = {"主订单编号", "子订单编号", "商品ID", "达人ID"}
SYCM_COLUMNS = [
    "统计日期",
    "商品ID",
    "商品名称",
    "货号",
    "商品状态",
    "商品标签",
    "商品访客数",
    "商品浏览量",
    "平均停留时长",
    "商品详情页跳出率",
    "商品收藏人数",
    "商品加购件数",
    "商品加购人数",
    "下单买家数",
    "下单件数",
    "下单金额",
    "下单转化率",
    "支付买家数",
    "支付件数",
    "支付金额",
    "商品支付转化率",
    "支付新买家数",
    "支付老买家数",
    "老买家支付金额",
    "聚划算支付金额",
    "访客平均价值",
    "成功退款金额",
    "年累计支付金额",
    "月累计支付金额",
    "月累计支付件数",
]


class Formula(str):
    """A cell Excel must keep as text: written ="..." outside the quotes."""


def taobao_csv(rows: list[list[str]], trailing_comma: bool) -> bytes:
    """Every field double-quoted, ids as ="…", GBK: the seller centre's CSV."""
    out = []
    for index, row in enumerate(rows):
        cells = []
        for cell in row:
            text = str(cell).replace('"', '""')
            cells.append(f'="{text}"' if isinstance(cell, Formula) else f'"{text}"')
        line = ",".join(cells)
        if trailing_comma and index > 0:
            line += ","
        out.append(line)
    return ("\n".join(out) + "\n").encode("gbk")


def taobao_rows(
    store: Store, orders: list[Order], year: int, export: datetime
) -> tuple[list[list[str]], list[list[str]]]:
    header = TAOBAO_V2017 if year <= 2020 else TAOBAO_V2019
    order_rows: list[list[str]] = [header]
    item_rows: list[list[str]] = [TAOBAO_ITEMS]
    for order in sorted(orders, key=lambda o: o.created, reverse=True):
        status, reason, shipped, confirmed = _taobao_status(order, export)
        paid_now = order.total_fen - order.refund_fen if order.paid else 0
        place = order.place
        titles = "，".join(line.product.name for line in order.lines)
        cells = {
            "订单编号": Formula(order.order_id),
            "买家会员名": f"fake_buyer_{order.buyer:06d}",
            "买家支付宝账号": f"fake{order.buyer:06d}@example.invalid",
            "买家应付货款": money(order.goods_fen),
            "买家应付邮费": money(order.postage_fen),
            "买家支付积分": "0",
            "总金额": money(order.total_fen),
            "返点积分": "0",
            "买家实际支付金额": money(paid_now),
            "买家实际支付积分": "0",
            "订单状态": status,
            "买家留言": "",
            "收货人姓名": f"虚构收货人{order.buyer % 1000:03d}",
            "收货地址 ": f"{place[0]} {place[1]} {place[2]} 虚构路{order.buyer % 97 + 1}号(000000)",
            "运送方式": "快递",
            "联系电话 ": "",
            "联系手机": f"'138{order.buyer:08d}",
            "订单创建时间": stamp(order.created),
            "订单付款时间 ": stamp(order.paid) if order.paid else "",
            "宝贝标题 ": titles,
            "宝贝种类 ": str(len(order.lines)),
            "物流单号 ": f"YT{int(order.order_id[-12:]):012d}" if shipped else "",
            "物流公司": CARRIERS[order.buyer % len(CARRIERS)] if shipped else "",
            "订单备注": "",
            "宝贝总数量": str(sum(line.quantity for line in order.lines)),
            "店铺Id": "0",
            "店铺名称": store.name,
            "订单关闭原因": reason,
            "卖家服务费": "0",
            "买家服务费": "0元",
            "是否手机订单": "手机订单" if order.buyer % 5 else "",
            "特权订金订单id": Formula(""),
            "是否上传合同照片": "否",
            "是否上传小票": "否",
            "是否代付": "否",
            "退款金额": money(order.refund_fen),
            "确认收货时间": stamp(confirmed) if confirmed else "",
            "打款商家金额": money(paid_now) if confirmed else "",
        }
        order_rows.append([cells.get(column, "") for column in header])
        for line in order.lines:
            item_rows.append(
                [
                    Formula(order.order_id),
                    line.product.name,
                    money(line.price_fen),
                    str(line.quantity),
                    line.key,
                    f"规格：{line.product.spec}",
                    "",
                    "",
                    status,
                    line.key,
                ]
            )
    return order_rows, item_rows


def _taobao_status(order: Order, export: datetime) -> tuple[str, str, bool, datetime | None]:
    if order.paid is None:
        return "交易关闭", "买家未付款", False, None
    if order.refund_fen == order.total_fen:
        return "交易关闭", "退款", False, None
    shipped_at = order.paid + timedelta(hours=20)
    confirmed = order.paid + timedelta(days=9, hours=order.buyer % 24)
    if confirmed <= export:
        return "交易成功", "订单未关闭", True, confirmed
    if shipped_at <= export:
        return "卖家已发货，等待买家确认", "订单未关闭", True, None
    return "买家已付款，等待卖家发货", "订单未关闭", False, None


def douyin_rows(orders: list[Order], export: datetime) -> list[list[str]]:
    rows: list[list[str]] = [DOUYIN_COLUMNS]
    for order in sorted(orders, key=lambda o: o.created, reverse=True):
        place = order.place
        for line, line_id in zip(order.lines, order.line_ids, strict=True):
            status, finished, shipped, cancel = _douyin_status(order, line, export)
            streamer = order.streamer or ("-", "-")
            cells = {
                "主订单编号": order.order_id,
                "子订单编号": line_id,
                "选购商品": line.product.name,
                "商品规格": line.product.spec,
                "商品数量": str(line.quantity),
                "商品ID": line.key,
                "商家编码": line.product.merchant_code,
                "商品单价": money(line.price_fen),
                "订单应付金额": money(line.paid_fen),
                "运费": money(line.postage_fen),
                "优惠总金额": money(line.discount_fen + line.subsidy_fen),
                "平台优惠": money(line.subsidy_fen),
                "商家优惠": money(line.discount_fen),
                "达人优惠": "0.00",
                "支付方式": ("抖音支付", "微信", "支付宝")[order.buyer % 3] if order.paid else "-",
                "收件人": f"虚构收件人{order.buyer % 1000:03d}",
                "收件人手机号": f"138{order.buyer:08d}",
                "省": place[0],
                "市": place[1],
                "区": place[2],
                "街道": "虚构街道",
                "详细地址": f"虚构路{order.buyer % 97 + 1}号",
                "买家留言": "-",
                "订单提交时间": stamp(order.created),
                "商家备注": "-",
                "订单完成时间": stamp(finished) if finished else "-",
                "支付完成时间": stamp(order.paid) if order.paid else "-",
                "APP渠道": ("抖音", "抖音极速版", "抖音火山版")[order.buyer % 3],
                "流量来源": "商城" if order.channel == "商品卡" else "其他",
                "订单状态": status,
                "订单类型": "普通订单",
                "达人ID": streamer[0],
                "达人昵称": streamer[1],
                "售后状态": line.after_sale,
                "取消原因": cancel,
                "流量类型": "自然流量" if order.buyer % 4 else "付费流量",
                "流量体裁": order.channel,
                "流量渠道": "搜索" if order.channel == "商品卡" else "推荐",
                "发货时间": stamp(shipped) if shipped else "-",
            }
            rows.append([cells[column] for column in DOUYIN_COLUMNS])
    return rows


def _douyin_status(
    order: Order, line: Line, export: datetime
) -> tuple[str, datetime | None, datetime | None, str]:
    if order.paid is None:
        return "已关闭", None, None, "超时未支付"
    shipped = order.paid + timedelta(hours=18)
    if line.after_sale == "退款成功":
        return "已关闭", None, None, "买家申请退款"
    finished = order.paid + timedelta(days=10)
    if finished <= export:
        return "已完成", finished, shipped, "-"
    if shipped <= export:
        return "已发货", None, shipped, "-"
    return "待发货", None, None, "-"


def douyin_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    header, *body = rows
    writer.writerow(header)
    for row in body:
        writer.writerow(
            [
                f"\t{cell}" if column in DOUYIN_TABBED and cell != "-" else cell
                for column, cell in zip(header, row, strict=True)
            ]
        )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def thousands(value: int | Decimal, places: int = 2) -> str:
    return f"{value:,.{places}f}" if places else f"{value:,}"


def sycm_rows(rng: random.Random, store: Store, owner: Enterprise, year: int) -> list[list[str]]:
    """One row per product and day: what 生意参谋 shows for a whole year of the store."""
    rows: list[list[str]] = []
    items = store.items.get(year, [])
    factor = owner.factors.get(year, 0.0)
    if factor <= 0 or not items:
        return rows
    refund_rate = owner.refund_rates.get(year, 0.05)
    year_gmv = store.base * factor
    year_weight = sum(
        MONTH_WEIGHT[d.month] * PEAK_DAYS.get((d.month, d.day), 1.0) for d in _days(year)
    )
    share = [rng.uniform(0.5, 1.5) for _ in items]
    ytd = [0] * len(items)
    mtd = [0] * len(items)
    mtd_qty = [0] * len(items)
    for day in _days(year):
        if day.day == 1:
            mtd = [0] * len(items)
            mtd_qty = [0] * len(items)
        weight = MONTH_WEIGHT[day.month] * PEAK_DAYS.get((day.month, day.day), 1.0)
        for index, (product, key) in enumerate(items):
            target = year_gmv * weight / year_weight * share[index] / sum(share)
            price = product.price_fen
            quantity = max(0, round(target * 100 / price * rng.uniform(0.7, 1.3)))
            buyers = max(1, quantity - rng.randint(0, quantity // 6)) if quantity else 0
            gmv = quantity * price - (rng.randint(0, quantity) * 500 if quantity else 0)
            refund = round(gmv * refund_rate * rng.uniform(0.2, 1.8) / 100) * 100 if gmv else 0
            refund = min(refund, gmv)
            visitors = max(buyers * rng.randint(12, 30), rng.randint(20, 80))
            views = visitors * rng.randint(2, 4)
            ytd[index] += gmv
            mtd[index] += gmv
            mtd_qty[index] += quantity
            rows.append(
                [
                    day.isoformat(),
                    key,
                    product.name,
                    product.merchant_code,
                    "当前在线",
                    "-",
                    thousands(visitors, 0),
                    thousands(views, 0),
                    f"{rng.uniform(8, 40):.2f}",
                    f"{rng.uniform(40, 80):.2f}%",
                    thousands(visitors // 20, 0),
                    thousands(quantity + visitors // 15, 0),
                    thousands(buyers + visitors // 18, 0),
                    thousands(buyers, 0),
                    thousands(quantity, 0),
                    thousands(Decimal(gmv) / 100),
                    _rate(buyers, visitors),
                    thousands(buyers, 0),
                    thousands(quantity, 0),
                    thousands(Decimal(gmv) / 100),
                    _rate(buyers, visitors),
                    thousands(buyers - buyers // 3, 0),
                    thousands(buyers // 3, 0),
                    thousands(Decimal(gmv // 4) / 100),
                    "-",
                    f"{Decimal(gmv) / 100 / visitors:.2f}" if visitors else "-",
                    thousands(Decimal(refund) / 100),
                    thousands(Decimal(ytd[index]) / 100),
                    thousands(Decimal(mtd[index]) / 100),
                    thousands(mtd_qty[index], 0),
                ]
            )
    return rows


def _rate(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.2f}%" if whole else "-"


def _days(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def sycm_workbook(
    path: Path, store: Store, start: date, end: date, rows: list[list[str]]
) -> list[list[str]]:
    """Write one 生意参谋 product export; returns the rows as written (total row included)."""
    total = ["合计", "-", "-", "-", "-", "-"] + ["-"] * (len(SYCM_COLUMNS) - 6)
    for column in ("支付买家数", "支付件数"):
        index = SYCM_COLUMNS.index(column)
        total[index] = thousands(sum(int(row[index].replace(",", "")) for row in rows), 0)
    for column in ("支付金额", "成功退款金额"):
        index = SYCM_COLUMNS.index(column)
        total[index] = thousands(sum(Decimal(row[index].replace(",", "")) for row in rows))
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    workbook.set_properties({"title": "商品_全部", "author": "生意参谋", "created": XLSX_CREATED})
    sheet = workbook.add_worksheet("商品_全部")
    metadata = [
        ("店铺名称", store.name),
        ("统计时间", f"{start.isoformat()} ~ {end.isoformat()}"),
        ("终端", "所有终端"),
        ("说明", "金额单位：元；“-”表示无数据"),
    ]
    for row_index, (label, value) in enumerate(metadata):
        sheet.write_string(row_index, 0, label)
        sheet.write_string(row_index, 1, value)
    written = [SYCM_COLUMNS, *rows, total]
    for row_index, row in enumerate(written, start=4):
        for column_index, cell in enumerate(row):
            sheet.write_string(row_index, column_index, cell)
    workbook.close()
    return written


# ---------------------------------------------------------------------------------------
# Totals, from the cells as written
# ---------------------------------------------------------------------------------------


@dataclass
class Tally:
    gmv: Decimal = Decimal("0.00")
    refund: Decimal = Decimal("0.00")
    order_lines: int = 0
    orders: set[str] = field(default_factory=set)
    item_lines: int = 0
    daily_rows: int = 0
    files: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "gmv": str(self.gmv),
            "refund": str(self.refund),
            "net_sales": str(self.gmv - self.refund),
            "order_lines": self.order_lines,
            "orders": len(self.orders),
            "item_lines": self.item_lines,
            "daily_rows": self.daily_rows,
        }


class Ledger:
    """Totals per year and platform, read back from the cells of the files written.

    It follows DOMAIN.md, not the generator's own records: a Taobao order is paid when
    订单付款时间 is filled, its gmv is 买家实际支付金额 + 退款金额 (= 总金额, postage in); a
    Douyin 子订单 is paid when 支付完成时间 is filled, its gmv is 订单应付金额 and its refund
    that amount when 售后状态 is 退款成功 (售后关闭 is not a refund); a 生意参谋 row gives
    支付金额 and 成功退款金额. The year is the payment year (creation year when unpaid).
    """

    def __init__(self) -> None:
        self.tallies: dict[tuple[int, str], Tally] = {}
        self.by_store: dict[tuple[int, str, str], Decimal] = {}

    def tally(self, year: int, platform: str) -> Tally:
        return self.tallies.setdefault((year, platform), Tally())

    def _net(self, year: int, platform: str, store_id: str, amount: Decimal) -> None:
        key = (year, platform, store_id)
        self.by_store[key] = self.by_store.get(key, Decimal("0.00")) + amount

    def taobao(
        self, platform: str, store_id: str, orders: list[list[str]], items: list[list[str]]
    ) -> None:
        header, *rows = orders
        at = {name: index for index, name in enumerate(header)}
        year_of: dict[str, int] = {}
        for row in rows:
            paid_at = row[at["订单付款时间 "]]
            year = int((paid_at or row[at["订单创建时间"]])[:4])
            tally = self.tally(year, platform)
            tally.order_lines += 1
            tally.orders.add(f"{platform}:{store_id}:{row[at['订单编号']]}")
            year_of[row[at["订单编号"]]] = year
            if paid_at:
                refund = Decimal(row[at["退款金额"]])
                gmv = Decimal(row[at["买家实际支付金额"]]) + refund
                tally.gmv += gmv
                tally.refund += refund
                self._net(year, platform, store_id, gmv - refund)
        for row in items[1:]:
            self.tally(year_of[row[0]], platform).item_lines += 1

    def douyin(self, store_id: str, rows: list[list[str]]) -> None:
        header, *body = rows
        at = {name: index for index, name in enumerate(header)}
        for row in body:
            paid_at = row[at["支付完成时间"]]
            year = int((row[at["订单提交时间"]] if paid_at == "-" else paid_at)[:4])
            tally = self.tally(year, "douyin")
            tally.order_lines += 1
            tally.orders.add(f"douyin:{store_id}:{row[at['主订单编号']]}")
            if paid_at != "-":
                gmv = Decimal(row[at["订单应付金额"]])
                refund = gmv if row[at["售后状态"]] == "退款成功" else Decimal("0.00")
                tally.gmv += gmv
                tally.refund += refund
                self._net(year, "douyin", store_id, gmv - refund)

    def sycm(self, store_id: str, rows: list[list[str]]) -> None:
        header, *body = rows
        at = {name: index for index, name in enumerate(header)}
        for row in body:
            if row[0] == "合计":
                continue
            year = int(row[at["统计日期"]][:4])
            tally = self.tally(year, "tmall")
            tally.daily_rows += 1
            gmv = Decimal(row[at["支付金额"]].replace(",", ""))
            refund = Decimal(row[at["成功退款金额"]].replace(",", ""))
            tally.gmv += gmv
            tally.refund += refund
            self._net(year, "tmall", store_id, gmv - refund)

    def as_json(self) -> dict[str, object]:
        """{"years": {year: {totals..., "platforms": {platform: {totals...}}}}}."""
        years: dict[str, object] = {}
        for year in YEARS:
            platforms = {
                platform: self.tallies[(y, platform)].as_json()
                for (y, platform) in sorted(self.tallies)
                if y == year
            }
            total = Tally()
            for (y, _platform), tally in sorted(self.tallies.items()):
                if y == year:
                    total.gmv += tally.gmv
                    total.refund += tally.refund
                    total.order_lines += tally.order_lines
                    total.orders |= tally.orders
                    total.item_lines += tally.item_lines
                    total.daily_rows += tally.daily_rows
            years[str(year)] = {**total.as_json(), "platforms": platforms}
        return {"years": years}


# ---------------------------------------------------------------------------------------
# Writing everything
# ---------------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def write_registries(out: Path, world: World) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for year in YEARS:
        folder = out / "registries" / str(year)
        enterprises = [e for e in world.enterprises if e.in_registry(year)]
        rows = [
            [
                "年度",
                "统一社会信用代码",
                "企业名称",
                "县（市、区）代码",
                "类型",
                "产业带",
                "示范类型",
                "示范起始年度",
                "首次参加年度",
                "中华老字号",
                "重点培育",
            ]
        ]
        for e in enterprises:
            demo = e.demo_in(year)
            rows.append(
                [
                    str(year),
                    e.credit_code,
                    e.name,
                    e.county,
                    ENTERPRISE_TYPES[e.kind],
                    "、".join(BELTS[b] for b in e.belts),
                    DEMONSTRATION_KINDS[demo[0]] if demo else "",
                    str(demo[1]) if demo else "",
                    str(e.first_year),
                    yes_no(e.time_honoured),
                    yes_no(e.focused),
                ]
            )
        write_csv(folder / "企业库.csv", rows)
        store_rows = [["年度", "平台", "店铺ID", "店铺名称", "统一社会信用代码"]]
        product_rows = [
            [
                "年度",
                "商品编号",
                "商品名称",
                "产业带",
                "原产地县代码",
                "地理标志",
                "统一社会信用代码",
                "平台",
                "店铺ID",
                "平台商品ID",
            ]
        ]
        for store in world.stores:
            if year not in store.owners:
                continue
            store_rows.append(
                [
                    str(year),
                    PLATFORMS[store.platform],
                    store.store_id,
                    store.name,
                    store.owners[year],
                ]
            )
            for product, key in store.items.get(year, []):
                product_rows.append(
                    [
                        str(year),
                        product.code,
                        product.name,
                        BELTS[product.belt],
                        product.origin,
                        yes_no(product.is_gi),
                        product.owner,
                        PLATFORMS[store.platform],
                        store.store_id,
                        key,
                    ]
                )
        header, *body = product_rows
        product_rows = [header, *sorted(body, key=lambda row: (row[1], row[7], row[8]))]
        write_csv(folder / "店铺.csv", store_rows)
        write_csv(folder / "四川好物库.csv", product_rows)
        streamer_rows = [["年度", "平台", "主播ID", "主播昵称", "所属机构信用代码"]]
        agencies_now = {e.credit_code for e in enterprises}
        for streamer in world.streamers:
            if streamer.first_year <= year:
                agency = streamer.agency if streamer.agency in agencies_now else ""
                streamer_rows.append(
                    [
                        str(year),
                        PLATFORMS["douyin"],
                        streamer.streamer_id,
                        streamer.nickname,
                        agency or "",
                    ]
                )
        write_csv(folder / "直播人才库.csv", streamer_rows)
        counts[year] = {
            "企业库": len(rows) - 1,
            "店铺": len(store_rows) - 1,
            "四川好物库": len(product_rows) - 1,
            "直播人才库": len(streamer_rows) - 1,
        }
    return counts


# 挂标: the share of a unit's fitting events it enrols in, by role. Strong units enrol in
# most, the weak demonstration units in one at most.
ENROLMENT_SHARE = {"star": 0.85, "big": 0.85, "gi": 0.6, "weak": 0.0}
ENROLMENT_SHARE_DEMONSTRATION = 0.6
ENROLMENT_SHARE_OTHER = 0.35


def _fits(activity: Activity, county: County, belts: list[str], platforms: set[str]) -> bool:
    """Whether a unit could take part: its place, a belt and a platform of the event."""
    place = activity.place
    if place.county_code is not None and place.county_code != county.code:
        return False
    if place.county_code is None and place.city_code not in (None, county.city_code):
        return False
    if activity.belts and not set(activity.belts) & set(belts):
        return False
    return not activity.platforms or bool(set(activity.platforms) & platforms)


def enrolment_rows(world: World, year: int) -> list[list[str]]:
    """挂标 of a year with a plan: who enrolled in which event, on which platform if one.

    Drawn from its own seeded source, so adding it left every other sample byte unchanged.
    """
    rng = random.Random(f"{SEED}-挂标-{year}")
    activities = load_plan(plan_path(year)).activities
    rows = [["年度", "活动编号", "统一社会信用代码", "平台"]]
    for enterprise in world.enterprises:
        if not enterprise.in_registry(year):
            continue
        platforms = sorted(
            {s.platform for s in world.stores if s.owners.get(year) == enterprise.credit_code}
        )
        county = world.counties[enterprise.county]
        fitting = [a for a in activities if _fits(a, county, enterprise.belts, set(platforms))]
        share = ENROLMENT_SHARE.get(
            enterprise.role,
            ENROLMENT_SHARE_DEMONSTRATION if enterprise.demo_in(year) else ENROLMENT_SHARE_OTHER,
        )
        chosen = [a for a in fitting if rng.random() < share]
        if enterprise.role == "weak" and fitting:
            chosen = [fitting[0]]
        for activity in chosen:
            shared = [code for code in platforms if code in activity.platforms]
            on = platforms if not activity.platforms else shared
            # Most units enrol on all the event's platforms; some name the one they sell on.
            platform = rng.choice(on) if on and rng.random() < 0.3 else ""
            rows.append(
                [
                    str(year),
                    activity.id,
                    enterprise.credit_code,
                    PLATFORMS[platform] if platform else "",
                ]
            )
    return rows


def write_enrolments(out: Path, world: World) -> dict[int, int]:
    """registries/<year>/挂标.csv for each year with a plan (2022; 2020 and 2021 have none)."""
    counts = {}
    for year in YEARS:
        if not plan_path(year).is_file():
            continue
        rows = enrolment_rows(world, year)
        write_csv(out / "registries" / str(year) / "挂标.csv", rows)
        counts[year] = len(rows) - 1
    return counts


def write_exports(out: Path, rng: random.Random, world: World, ledger: Ledger) -> int:
    ids = Ids(rng)
    owners = {e.credit_code: e for e in world.enterprises}
    files = 0
    edges: dict[str, int] = {}
    for store in world.stores:
        folder = out / "inbox" / store.platform / store.store_id
        for year in YEARS:
            owner_code = store.owners.get(year)
            if owner_code is None:
                continue
            owner = owners[owner_code]
            if store.feed == "daily":
                rows = sycm_rows(rng, store, owner, year)
                for start, end in (
                    (date(year, 1, 1), date(year, 6, 30)),
                    (date(year, 7, 1), date(year, 12, 31)),
                ):
                    part = [row for row in rows if start.isoformat() <= row[0] <= end.isoformat()]
                    if not part:
                        continue
                    folder.mkdir(parents=True, exist_ok=True)
                    name = f"【生意参谋平台】商品_全部_{start.isoformat()}_{end.isoformat()}.xlsx"
                    ledger.sycm(
                        store.store_id, sycm_workbook(folder / name, store, start, end, part)
                    )
                    files += 1
                continue
            orders = simulate_store_year(rng, ids, store, owner, year)
            if year == 2021 and len(orders) > 30 and edges.get(store.platform, 0) < 1:
                # New Year's Eve, paid after midnight: in a 2021 file, a sale of 2022.
                edges[store.platform] = 1
                orders[0].created = datetime(2021, 12, 31, 23, 58, 41)
                orders[0].paid = datetime(2022, 1, 1, 0, 1, 7)
            for part, start in export_periods(year, orders):
                if not part:
                    continue
                folder.mkdir(parents=True, exist_ok=True)
                export = export_time(start, store.store_id)
                if store.platform == "douyin":
                    rows = douyin_rows(part, export)
                    unix = int((export - BEIJING_OFFSET - UNIX_EPOCH).total_seconds())
                    (folder / f"{unix}_订单导出.csv").write_bytes(douyin_csv(rows))
                    ledger.douyin(store.store_id, rows)
                else:
                    order_rows, item_rows = taobao_rows(store, part, year, export)
                    tag = export.strftime("%Y%m%d%H%M")
                    (folder / f"ExportOrderList{tag}.csv").write_bytes(
                        taobao_csv(order_rows, trailing_comma=False)
                    )
                    (folder / f"ExportOrderDetailList{tag}.csv").write_bytes(
                        taobao_csv(item_rows, trailing_comma=True)
                    )
                    ledger.taobao(store.platform, store.store_id, order_rows, item_rows)
                    files += 1
                files += 1
    return files


def enterprise_net(world: World, ledger: Ledger) -> dict[tuple[int, str], Decimal]:
    """Net sales per enterprise and year, a store's sales going to its owner of that year."""
    owner_of = {(store.platform, store.store_id): store.owners for store in world.stores}
    result: dict[tuple[int, str], Decimal] = {}
    for (year, platform, store_id), amount in ledger.by_store.items():
        owner = owner_of[(platform, store_id)][year]
        result[(year, owner)] = result.get((year, owner), Decimal("0.00")) + amount
    return result


def write_readme(
    out: Path, world: World, ledger: Ledger, registry_counts: dict, files: int
) -> None:
    totals = ledger.as_json()
    net = enterprise_net(world, ledger)
    counties = sorted({e.county for e in world.enterprises})
    lines = [
        "# The bundled samples",
        "",
        "Three years (2020-2022) of a fictional 川货电商节 programme: the registries and",
        "the platform exports of its stores, written by `generate.py` from one seed",
        f"(`random.Random({SEED})`). Enterprises, brands, stores, streamers and buyers are",
        "invented (any likeness to a real company is chance); counties (GB/T 2260 codes),",
        "belts and the geographical-indication products are real. Buyers' names, phones and",
        "addresses are obviously fake (`fake_buyer_…`, `'138…`, `虚构路…`).",
        "",
        "Regenerate (byte-identical on every run; the tests check it):",
        "",
        "```bash",
        "python data/samples/generate.py            # rewrites data/samples/",
        "python data/samples/generate.py --out DIR  # writes a copy elsewhere",
        "```",
        "",
        "## What is here",
        "",
        "| path | what |",
        "| --- | --- |",
        "| `registries/<year>/企业库.csv` | enterprises of the year (UTF-8; columns as in the "
        "top README) |",
        "| `registries/<year>/店铺.csv` | stores and their enterprise that year |",
        "| `registries/<year>/四川好物库.csv` | products, one row per product and platform item |",
        "| `registries/<year>/直播人才库.csv` | Douyin streamers and their agencies |",
        "| `registries/2022/挂标.csv` | event enrolment: units and the events of the 2022 plan"
        " they enrolled in (平台 blank = all the event's platforms); 2020 and 2021 have no"
        " plan, so no 挂标 |",
        "| `inbox/tmall/<store>/`, `inbox/taobao/<store>/` | 订单报表 `ExportOrderList<stamp>.csv`"
        " + 宝贝报表 `ExportOrderDetailList<stamp>.csv`, GBK, one pair per year (per half-year"
        " for big stores) |",
        "| `inbox/douyin/<store>/` | 抖店 order export `<unix time>_订单导出.csv` per 子订单, "
        "UTF-8 with BOM, one per year (per half-year for big stores) |",
        "| `inbox/tmall/<store>/` (daily stores) | 生意参谋 `【生意参谋平台】商品_全部_<from>_<to>"
        ".xlsx`, header on row 5, a 合计 row last |",
        "| `expected_totals.json` | totals per year and platform, for reconciliation |",
        "",
        f"{len(world.enterprises)} enterprises in {len(counties)} counties, "
        f"{len(world.stores)} stores, {len({p.code for p in world.products})} products, "
        f"{len(world.streamers)} streamers; {files} export files.",
        "",
        "Registry rows per year:",
        "",
        "| year | 企业库 | 店铺 | 四川好物库 | 直播人才库 | 挂标 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for year, count in registry_counts.items():
        lines.append(
            f"| {year} | {count['企业库']} | {count['店铺']} | {count['四川好物库']} | "
            f"{count['直播人才库']} | {count.get('挂标', '–')} |"
        )
    lines += [
        "",
        "## How the exports encode the money",
        "",
        "- 订单报表: one row per order. 总金额 = 买家应付货款 + 买家应付邮费 (postage included).",
        "  Paid orders have 订单付款时间; 买家实际支付金额 = 总金额 − 退款金额 (it is after",
        "  refunds), so gmv = 买家实际支付金额 + 退款金额. Closed by refund: 订单关闭原因 退款,",
        "  退款金额 = 总金额. Never paid: 订单关闭原因 买家未付款, no 订单付款时间,",
        "  买家实际支付金额 0.",
        "  2020 files use the 46-column header (v2017), 2021-2022 the 54-column one (v2019).",
        "- 宝贝报表: one row per item line at list price (价格 × 购买数量); lines of a discounted",
        "  order do not sum to its 总金额. The item key (商家编码 = 外部系统编号) is what",
        "  四川好物库 lists as 平台商品ID for order-report stores.",
        "- 抖店: one row per 子订单. 订单应付金额 = 商品单价 × 商品数量 − 商家优惠 − 平台优惠",
        "  + 运费 (运费 on the first 子订单 of an order); it is what the buyer paid: the gmv.",
        "  售后状态 退款成功 refunds the 子订单's 订单应付金额; 售后关闭 is not a refund. Unpaid",
        "  orders have 支付完成时间 `-`.",
        "- 生意参谋: one row per product and day (products with no sale show 0), gmv = 支付金额,",
        "  refund = 成功退款金额. These stores have no order files.",
        "- The year of a sale is its payment year: a 2021 file holds an order created on",
        "  2021-12-31 and paid on 2022-01-01, which counts in 2022.",
        "",
        "## Histories the roster rules will meet",
        "",
    ]
    lines += _history_lines(world, net)
    lines += [
        "",
        "## Totals (yuan), as the generator reads them back from the files",
        "",
        "`order_lines`: rows of 订单报表 and 抖店 files (unpaid included; Taobao one per order,",
        "Douyin one per 子订单), counted in the payment year (creation year when unpaid);",
        "`orders`: distinct orders; `item_lines`: 宝贝报表 rows; `daily_rows`: 生意参谋 rows",
        "without the 合计 rows. The same figures per platform are in `expected_totals.json`.",
        "",
        "| year | gmv | refund | net_sales | order_lines | orders | item_lines | daily_rows |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for year in YEARS:
        total = totals["years"][str(year)]
        lines.append(
            f"| {year} | {total['gmv']} | {total['refund']} | {total['net_sales']} | "
            f"{total['order_lines']} | {total['orders']} | {total['item_lines']} | "
            f"{total['daily_rows']} |"
        )
    lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "expected_totals.json").write_text(
        json.dumps(totals, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def _history_lines(world: World, net: dict[tuple[int, str], Decimal]) -> list[str]:
    def sales(e: Enterprise) -> str:
        return ", ".join(
            f"{year}: {net.get((year, e.credit_code), Decimal('0.00'))}" for year in YEARS
        )

    lines = [
        "| role | enterprise | credit code | type | net sales per year |",
        "| --- | --- | --- | --- | --- |",
    ]
    roles = {
        "star": "new in 2021, leads its pool and grows",
        "weak": "demonstration unit, small, shrinking, refund-heavy",
        "silent2022": "demonstration unit with no sales in 2022",
        "gains2021": "becomes 示范企业 in 2021",
        "moved_from": "its Tmall store moves away in 2022",
        "moved_to": "takes over that store in 2022",
        "leaves2022": "leaves the registry in 2022",
    }
    for role, text in roles.items():
        for e in world.enterprises:
            if e.role == role:
                lines.append(
                    f"| {text} | {e.name} | {e.credit_code} | "
                    f"{ENTERPRISE_TYPES[e.kind]} | {sales(e)} |"
                )
    return lines


def generate(out: Path) -> dict[str, object]:
    """(Re)write every sample file under `out`; returns the totals written."""
    rng = random.Random(SEED)
    for owned in ("registries", "inbox"):
        if (out / owned).exists():
            shutil.rmtree(out / owned)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(rng)
    registry_counts = write_registries(out, world)
    for year, enrolments in write_enrolments(out, world).items():
        registry_counts[year]["挂标"] = enrolments
    ledger = Ledger()
    files = write_exports(out, rng, world, ledger)
    write_readme(out, world, ledger, registry_counts, files)
    log.info("wrote %d export files and %d registry years to %s", files, len(YEARS), out)
    return ledger.as_json()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=SAMPLES_DIR,
        help="folder to write into (default: this script's folder)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    generate(args.out)


if __name__ == "__main__":
    main()
