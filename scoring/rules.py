"""The per-year rules file (data/rules/<year>.yaml), read and checked into typed rules.

Every threshold, weight, band and list size of the scoring comes from here, so a policy
change is an edit of a versioned YAML file, not of code. A rules file that breaks its own
contract is refused whole with a RulesError naming the key; this module must never guess a
default for a key the file should have, nor score anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from scoring.marts import ADMISSION_COLUMNS, UNIT_KINDS
from warehouse.errors import RulesError
from warehouse.paths import RULES_DIR
from warehouse.vocab import BELTS, ENTERPRISE_TYPES, GRADES

log = logging.getLogger(__name__)

NORMALISATIONS = ("minmax", "percentile", "log_minmax")
DIRECTIONS = ("higher", "lower")
MISSING_POLICIES = ("share", "zero")
RANK_BY = ("score", "belt_net_sales")
TIE_BREAK_COLUMNS = ("net_sales", "unit_name", "unit_id")
REQUIRED_LISTS = (
    "county_top100",
    "enterprise_top100",
    "excellent_enterprises",
    "excellent_stores",
    "goods_bases",
    "streamers",
)
# Best grade first: the order bands must follow.
GRADE_ORDER: tuple[str, ...] = tuple(GRADES.values())


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    title: str
    columns: tuple[str, ...]
    direction: str
    normalisation: str
    missing: str


@dataclass(frozen=True)
class Admission:
    sichuan_county: bool
    registered: bool
    min_net_sales: Decimal | None
    min_active_months: int | None
    max_refund_rate: Decimal | None


@dataclass(frozen=True)
class Pool:
    pool_id: str
    title: str
    unit_kind: str
    enterprise_types: tuple[str, ...] | None
    new_participant: bool | None
    admission: Admission
    weights: dict[str, Decimal]


@dataclass(frozen=True)
class ListRule:
    list_id: str
    title: str
    pools: tuple[str, ...]
    size: int
    award_top: int
    by_category: bool
    rank_by: str
    min_grade: str | None
    min_net_sales: Decimal | None
    belts: tuple[str, ...]
    min_belt_net_sales: Decimal | None


@dataclass(frozen=True)
class Band:
    grade: str
    start: Decimal
    end: Decimal


@dataclass(frozen=True)
class RosterRules:
    promotion_years: int
    removal_years: int
    missing_year_grade: str


@dataclass(frozen=True)
class TieBreaker:
    column: str
    descending: bool


@dataclass(frozen=True)
class Rules:
    year: int
    version: str
    new_participant_years: int
    indicators: dict[str, Indicator]
    pools: dict[str, Pool]
    lists: dict[str, ListRule]
    grades: tuple[Band, ...]
    roster: RosterRules
    tie_breakers: tuple[TieBreaker, ...]
    path: Path

    def pools_of(self, unit_kind: str) -> list[Pool]:
        return [pool for pool in self.pools.values() if pool.unit_kind == unit_kind]


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (the last would win silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Reader:
    """Walks the parsed YAML, so that every complaint names the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str, hint: str) -> RulesError:
        return RulesError(f"{self.path}: {key}: {problem}", hint)

    def mapping(self, value: Any, key: str, allowed: set[str], required: set[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a mapping of keys to values", "see data/rules/2022.yaml")
        unknown = sorted(str(name) for name in value if name not in allowed)
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}" if key else unknown[0],
                "unknown key",
                f"remove it or use one of: {', '.join(sorted(allowed))}",
            )
        missing = sorted(required - set(value))
        if missing:
            where = f"{key}.{missing[0]}" if key else missing[0]
            raise self.fail(where, "missing key", "add it; every key is required unless noted")
        return value

    def section(self, value: Any, key: str) -> dict:
        """A mapping whose keys are names the file chooses (indicators, pools, lists)."""
        if not isinstance(value, dict) or not value:
            raise self.fail(key, "must be a non-empty mapping", "see data/rules/2022.yaml")
        return value

    def integer(self, value: Any, key: str, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"must be a whole number >= {minimum}, got {value!r}", "fix it")
        return value

    def decimal(self, value: Any, key: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(key, f"must be a number, got {value!r}", "write a plain number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(
                key, f"must be a number, got {value!r}", "write a plain number"
            ) from None
        if not number.is_finite() or number < 0:
            raise self.fail(key, f"must be a number >= 0, got {value!r}", "fix it")
        return number

    def optional_decimal(self, value: Any, key: str) -> Decimal | None:
        return None if value is None else self.decimal(value, key)

    def choice(self, value: Any, key: str, choices: tuple[str, ...] | list[str]) -> str:
        if value not in choices:
            raise self.fail(key, f"{value!r} is not one of {', '.join(choices)}", "pick one")
        return str(value)

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be non-empty text", 'quote it, e.g. "2022.1"')
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}", "fix it")
        return value

    def names(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty list", "write [a, b]")
        return tuple(self.text(item, f"{key}[{index}]") for index, item in enumerate(value))


def _indicators(reader: _Reader, raw: Any) -> dict[str, Indicator]:
    section = reader.section(raw, "indicators")
    allowed = {"title", "columns", "direction", "normalisation", "missing"}
    indicators: dict[str, Indicator] = {}
    for indicator_id, body in section.items():
        key = f"indicators.{indicator_id}"
        body = reader.mapping(body, key, allowed, allowed)
        indicators[indicator_id] = Indicator(
            indicator_id=str(indicator_id),
            title=reader.text(body["title"], f"{key}.title"),
            columns=reader.names(body["columns"], f"{key}.columns"),
            direction=reader.choice(body["direction"], f"{key}.direction", DIRECTIONS),
            normalisation=reader.choice(
                body["normalisation"], f"{key}.normalisation", NORMALISATIONS
            ),
            missing=reader.choice(body["missing"], f"{key}.missing", MISSING_POLICIES),
        )
    return indicators


def _admission(reader: _Reader, raw: Any, key: str, unit_kind: str) -> Admission:
    body = reader.mapping(raw, key, set(ADMISSION_COLUMNS), set())
    for threshold, value in body.items():
        column = ADMISSION_COLUMNS[threshold]
        # false, like null, is no check, so it needs no column
        if value not in (None, False) and column not in UNIT_KINDS[unit_kind].columns:
            raise reader.fail(
                f"{key}.{threshold}",
                f"{unit_kind} units have no {column} in the marts",
                "remove this threshold for this pool",
            )
    months = body.get("min_active_months")
    return Admission(
        sichuan_county=reader.boolean(body.get("sichuan_county", False), f"{key}.sichuan_county"),
        registered=reader.boolean(body.get("registered", False), f"{key}.registered"),
        min_net_sales=reader.optional_decimal(body.get("min_net_sales"), f"{key}.min_net_sales"),
        min_active_months=None
        if months is None
        else reader.integer(months, f"{key}.min_active_months"),
        max_refund_rate=reader.optional_decimal(
            body.get("max_refund_rate"), f"{key}.max_refund_rate"
        ),
    )


def _weights(
    reader: _Reader, raw: Any, key: str, indicators: dict[str, Indicator], unit_kind: str
) -> dict[str, Decimal]:
    body = reader.mapping(raw, key, set(indicators), set())
    weights = {name: reader.decimal(value, f"{key}.{name}") for name, value in body.items()}
    total = sum(weights.values(), Decimal(0))
    if total != 1:
        raise reader.fail(key, f"weights sum to {total}, not 1", "adjust them so they sum to 1")
    for name in weights:
        absent = [c for c in indicators[name].columns if c not in UNIT_KINDS[unit_kind].columns]
        if absent:
            raise reader.fail(
                f"{key}.{name}",
                f"{unit_kind} units have no {absent[0]} in the marts",
                "drop this indicator from the pool or change its columns",
            )
    return weights


def _pools(reader: _Reader, raw: Any, indicators: dict[str, Indicator]) -> dict[str, Pool]:
    section = reader.section(raw, "pools")
    allowed = {"title", "unit_kind", "enterprise_types", "new_participant", "admission", "weights"}
    pools: dict[str, Pool] = {}
    for pool_id, body in section.items():
        key = f"pools.{pool_id}"
        body = reader.mapping(body, key, allowed, {"title", "unit_kind", "admission", "weights"})
        unit_kind = reader.choice(body["unit_kind"], f"{key}.unit_kind", list(UNIT_KINDS))
        types = body.get("enterprise_types")
        if types is not None:
            types = reader.names(types, f"{key}.enterprise_types")
            for index, name in enumerate(types):
                reader.choice(name, f"{key}.enterprise_types[{index}]", list(ENTERPRISE_TYPES))
        new_participant = body.get("new_participant")
        if new_participant is not None:
            new_participant = reader.boolean(new_participant, f"{key}.new_participant")
        if unit_kind != "enterprise" and (types is not None or new_participant is not None):
            raise reader.fail(
                key,
                "only enterprise pools can filter on type or new participant",
                "remove enterprise_types / new_participant",
            )
        pools[str(pool_id)] = Pool(
            pool_id=str(pool_id),
            title=reader.text(body["title"], f"{key}.title"),
            unit_kind=unit_kind,
            enterprise_types=types,
            new_participant=new_participant,
            admission=_admission(reader, body["admission"], f"{key}.admission", unit_kind),
            weights=_weights(reader, body["weights"], f"{key}.weights", indicators, unit_kind),
        )
    for kind in UNIT_KINDS:
        if not any(pool.unit_kind == kind for pool in pools.values()):
            raise reader.fail("pools", f"no pool evaluates {kind} units", f"add a {kind} pool")
    return pools


def _lists(reader: _Reader, raw: Any, pools: dict[str, Pool]) -> dict[str, ListRule]:
    section = reader.section(raw, "lists")
    reader.mapping(section, "lists", set(section), set(REQUIRED_LISTS))
    required = {"title", "pools", "size", "award_top", "by_category", "rank_by"}
    allowed = required | {"min_grade", "min_net_sales", "belts", "min_belt_net_sales"}
    lists: dict[str, ListRule] = {}
    for list_id, body in section.items():
        key = f"lists.{list_id}"
        body = reader.mapping(body, key, allowed, required)
        member_pools = reader.names(body["pools"], f"{key}.pools")
        for index, pool_id in enumerate(member_pools):
            reader.choice(pool_id, f"{key}.pools[{index}]", list(pools))
        rank_by = reader.choice(body["rank_by"], f"{key}.rank_by", RANK_BY)
        belts: tuple[str, ...] = ()
        if rank_by == "belt_net_sales":
            belts = reader.names(body.get("belts"), f"{key}.belts")
            for index, belt in enumerate(belts):
                reader.choice(belt, f"{key}.belts[{index}]", list(BELTS))
        elif "belts" in body or "min_belt_net_sales" in body:
            raise reader.fail(key, "belts only apply with rank_by: belt_net_sales", "fix it")
        min_grade = body.get("min_grade")
        if min_grade is not None:
            min_grade = reader.choice(min_grade, f"{key}.min_grade", GRADE_ORDER)
        size = reader.integer(body["size"], f"{key}.size", minimum=1)
        award_top = reader.integer(body["award_top"], f"{key}.award_top")
        if award_top > size:
            raise reader.fail(f"{key}.award_top", f"{award_top} is above size {size}", "fix it")
        lists[str(list_id)] = ListRule(
            list_id=str(list_id),
            title=reader.text(body["title"], f"{key}.title"),
            pools=member_pools,
            size=size,
            award_top=award_top,
            by_category=reader.boolean(body["by_category"], f"{key}.by_category"),
            rank_by=rank_by,
            min_grade=min_grade,
            min_net_sales=reader.optional_decimal(
                body.get("min_net_sales"), f"{key}.min_net_sales"
            ),
            belts=belts,
            min_belt_net_sales=reader.optional_decimal(
                body.get("min_belt_net_sales"), f"{key}.min_belt_net_sales"
            ),
        )
    return lists


def _grades(reader: _Reader, raw: Any) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail("grades", "must be a list of bands", "see data/rules/2022.yaml")
    bands: list[Band] = []
    for index, body in enumerate(raw):
        key = f"grades[{index}]"
        body = reader.mapping(body, key, {"grade", "from", "to"}, {"grade", "from", "to"})
        band = Band(
            grade=reader.choice(body["grade"], f"{key}.grade", GRADE_ORDER),
            start=reader.decimal(body["from"], f"{key}.from"),
            end=reader.decimal(body["to"], f"{key}.to"),
        )
        if band.end <= band.start:
            raise reader.fail(f"{key}.to", "must be above from", "each band needs a width")
        expected_start = bands[-1].end if bands else Decimal(0)
        if band.start != expected_start:
            problem = "overlaps the band before" if band.start < expected_start else "leaves a gap"
            raise reader.fail(
                f"{key}.from",
                f"{problem}: starts at {band.start}, expected {expected_start}",
                "bands must follow each other without gaps or overlaps",
            )
        if bands and GRADE_ORDER.index(band.grade) <= GRADE_ORDER.index(bands[-1].grade):
            raise reader.fail(f"{key}.grade", "grades must go from best to worst", "reorder")
        bands.append(band)
    if bands[-1].end != 1:
        raise reader.fail("grades", f"bands end at {bands[-1].end}, not 1", "end the last at 1")
    present = {band.grade for band in bands}
    for needed in (GRADES["excellent"], GRADES["poor"]):
        if needed not in present:
            raise reader.fail("grades", f"no {needed} band", "the roster needs it")
    return tuple(bands)


def _roster(reader: _Reader, raw: Any, bands: tuple[Band, ...]) -> RosterRules:
    keys = {"promotion_years", "removal_years", "missing_year_grade"}
    body = reader.mapping(raw, "roster", keys, keys)
    return RosterRules(
        promotion_years=reader.integer(body["promotion_years"], "roster.promotion_years", 1),
        removal_years=reader.integer(body["removal_years"], "roster.removal_years", 1),
        missing_year_grade=reader.choice(
            body["missing_year_grade"],
            "roster.missing_year_grade",
            tuple(band.grade for band in bands),
        ),
    )


def _tie_breakers(reader: _Reader, raw: Any) -> tuple[TieBreaker, ...]:
    if not isinstance(raw, list):
        raise reader.fail("tie_breakers", "must be a list", "see data/rules/2022.yaml")
    breakers = []
    for index, body in enumerate(raw):
        key = f"tie_breakers[{index}]"
        body = reader.mapping(body, key, {"column", "order"}, {"column", "order"})
        breakers.append(
            TieBreaker(
                column=reader.choice(body["column"], f"{key}.column", TIE_BREAK_COLUMNS),
                descending=reader.choice(body["order"], f"{key}.order", ("asc", "desc")) == "desc",
            )
        )
    return tuple(breakers)


def load_rules(path: Path | str) -> Rules:
    """Read and check a rules file; any breach of its contract raises RulesError."""
    path = Path(path)
    reader = _Reader(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader
    except FileNotFoundError:
        raise RulesError(
            f"{path}: no such rules file", "create it from data/rules/2022.yaml"
        ) from None
    except yaml.YAMLError as error:
        raise RulesError(f"{path}: not valid YAML: {error}", "fix the syntax") from None
    top = {
        "year",
        "version",
        "new_participant_years",
        "indicators",
        "pools",
        "lists",
        "grades",
        "roster",
        "tie_breakers",
    }
    body = reader.mapping(raw, "", top, top)
    indicators = _indicators(reader, body["indicators"])
    pools = _pools(reader, body["pools"], indicators)
    grades = _grades(reader, body["grades"])
    rules = Rules(
        year=reader.integer(body["year"], "year", minimum=2000),
        version=reader.text(body["version"], "version"),
        new_participant_years=reader.integer(
            body["new_participant_years"], "new_participant_years"
        ),
        indicators=indicators,
        pools=pools,
        lists=_lists(reader, body["lists"], pools),
        grades=grades,
        roster=_roster(reader, body["roster"], grades),
        tie_breakers=_tie_breakers(reader, body["tie_breakers"]),
        path=path,
    )
    log.info("rules %s version %s read from %s", rules.year, rules.version, path)
    return rules


def rules_path_for_year(year: int, rules_dir: Path = RULES_DIR) -> Path:
    return Path(rules_dir) / f"{year}.yaml"


def rules_for_year(year: int, rules_dir: Path = RULES_DIR) -> Rules:
    """The rules file of `year`; its `year` key must agree with the file name."""
    path = rules_path_for_year(year, rules_dir)
    if not path.exists():
        raise RulesError(
            f"no rules file for {year} at {path}",
            f"copy data/rules/2022.yaml to {path.name} and set year: {year}",
        )
    rules = load_rules(path)
    if rules.year != year:
        raise RulesError(f"{path}: year: says {rules.year}, not {year}", f"set year: {year}")
    return rules
