"""What the yearly HTML report shows, as plain typed values: the contract between
gathering (exports.report.gather reads the warehouse) and drawing (exports.report_html).

Money is exact Decimal yuan here; only the page turns it into 万元. A section whose
source is missing from the warehouse carries the reason in `ReportData.missing` instead
of failing the whole report. Nothing here reads the warehouse or formats for people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# Sections of the page, in order, with their Chinese titles. The keys are what
# `ReportData.missing` refers to.
SECTION_TITLES: dict[str, str] = {
    "overview": "年度概览",
    "counties": "县（市、区）网络净销售额前列",
    "enterprises": "企业网络净销售额前列",
    "months": "分产业带月度净销售额",
    "cities": "各市（州）网络销售额",
    "events": "促销活动成效：活动期与活动前同等天数对比",
    "roster": "动态名录变动",
    "goals": "“千百十”工程进展",
    "quality": "数据质量",
}


@dataclass(frozen=True)
class Totals:
    """The year's sales over every store, attributed or not."""

    gmv: Decimal
    refund: Decimal
    net_sales: Decimal


@dataclass(frozen=True)
class TopUnit:
    """One county or enterprise among the year's best sellers by net sales."""

    unit_id: str
    name: str
    place: str
    net_sales: Decimal
    note: str = ""


@dataclass(frozen=True)
class MonthBelt:
    """Net sales of one industry belt in one month; belt None = not attributed to a belt."""

    month: dt.date
    belt: str | None
    net_sales: Decimal


@dataclass(frozen=True)
class CitySales:
    """Sales of one prefecture; city_code None = stores not attributed to any county."""

    city_code: str | None
    city_name: str
    gmv: Decimal
    refund: Decimal
    net_sales: Decimal


@dataclass(frozen=True)
class EventSales:
    """One event of the plan: net sales in its window and in as many days just before.

    `before_covered` is False when the warehouse has no sales that early, so the
    comparison would read a gap in the data as a rise.
    """

    event_id: str
    event_name: str
    start_date: dt.date
    end_date: dt.date
    scope: str
    window_net_sales: Decimal
    before_net_sales: Decimal
    before_covered: bool = True

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def change_rate(self) -> Decimal | None:
        """(window - before) / before, None when there is nothing to compare with."""
        if not self.before_covered or self.before_net_sales <= 0:
            return None
        return (self.window_net_sales - self.before_net_sales) / self.before_net_sales


@dataclass(frozen=True)
class RosterChange:
    """One line of scoring's roster ledger for the year."""

    unit_id: str
    unit_name: str
    status_before: str
    status_after: str
    rule: str
    reason: str
    effective_year: int | None = None
    registry_note: str = ""


@dataclass(frozen=True)
class GoalProgress:
    """One of the notice's 千百十 goals against what the warehouse shows for the year."""

    key: str
    title: str
    target: int
    actual: int
    note: str = ""


@dataclass(frozen=True)
class DataQuality:
    """What the loads kept and set aside, and how much of the year's sales has no county."""

    files: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    rejects_by_reason: list[tuple[str, int]]
    net_sales: Decimal
    unattributed_net_sales: Decimal

    @property
    def unattributed_share(self) -> Decimal | None:
        if self.net_sales == 0:
            return None
        return self.unattributed_net_sales / self.net_sales


@dataclass
class ReportData:
    """Everything the page shows for one year; empty lists where a source is missing."""

    year: int
    totals: Totals | None = None
    top_counties: list[TopUnit] = field(default_factory=list)
    top_enterprises: list[TopUnit] = field(default_factory=list)
    month_belts: list[MonthBelt] = field(default_factory=list)
    cities: list[CitySales] = field(default_factory=list)
    events: list[EventSales] = field(default_factory=list)
    roster: list[RosterChange] = field(default_factory=list)
    goals: list[GoalProgress] = field(default_factory=list)
    quality: DataQuality | None = None
    # section key (SECTION_TITLES) -> why it could not be filled, in Chinese
    missing: dict[str, str] = field(default_factory=dict)
