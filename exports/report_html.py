"""Drawing the yearly report: ReportData in, one self-contained HTML file out.

The page must open offline, on a machine with no network: plotly.js is inlined once in
the head, styles are inline, fonts are the reader's own (a CJK font stack, no web
fonts), and no tag points at a URL. Amounts are shown in 万元 (exports.cells.to_wan),
titles and labels in Chinese. This module only formats what it is given: it never reads
the warehouse and never computes a sum, a rank or a grade.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from exports.cells import to_wan
from exports.report_data import SECTION_TITLES, ReportData
from scoring.roster import PROMOTION, REMOVAL, STATUS_TITLES
from warehouse.vocab import BELTS

log = logging.getLogger(__name__)

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)
# No logo link to plotly's site, no editing: the page is read, often printed.
_PLOT_CONFIG = {"displaylogo": False, "responsive": True}
_NO_BELT = "未归属产业带"
# scoring's roster rule codes, as the page names them
_RULES = {PROMOTION: "连续优秀推荐示范", REMOVAL: "连续较差取消示范"}
_TENTH = Decimal("0.1")

_CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 0 auto; max-width: 1200px; padding: 0 24px 48px;
  color: #1f2933; background: #fff; }}
header {{ border-bottom: 3px solid #b22222; margin-bottom: 16px; }}
h1 {{ font-size: 28px; margin: 24px 0 4px; }}
h2 {{ font-size: 21px; border-left: 5px solid #b22222; padding-left: 10px; margin-top: 36px; }}
nav ol {{ columns: 3; font-size: 14px; }}
nav a {{ color: #1f4e79; text-decoration: none; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; margin: 8px 0 16px; }}
th, td {{ border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f6f9; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
p.missing {{ background: #fff4e5; border: 1px solid #f0b429; padding: 8px 12px; }}
p.note {{ color: #52606d; font-size: 13px; }}
.cards {{ display: flex; gap: 16px; flex-wrap: wrap; }}
.card {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 20px; min-width: 200px; }}
.card .label {{ color: #52606d; font-size: 14px; }}
.card .value {{ font-size: 26px; font-weight: bold; }}
"""


def render(data: ReportData, path: Path) -> Path:
    """Write the report of `data` as one HTML file at `path` (parents created)."""
    page, charts = _page(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    log.info(
        "wrote the %d report %s: %d charts, %d sections without a source",
        data.year,
        path,
        charts,
        len(data.missing),
    )
    return path


def _page(data: ReportData) -> tuple[str, int]:
    sections = [
        ("overview", _overview(data)),
        ("counties", _counties(data)),
        ("enterprises", _enterprises(data)),
        ("months", _months(data)),
        ("cities", _cities(data)),
        ("events", _events(data)),
        ("roster", _roster(data)),
        ("goals", _goals(data)),
        ("quality", _quality(data)),
    ]
    body = []
    charts = 0
    for key, (content, count) in sections:
        charts += count
        missing = data.missing.get(key)
        notice = f'<p class="missing">本节暂无数据：{_text(missing)}</p>' if missing else ""
        body.append(
            f'<section id="{key}"><h2>{_text(SECTION_TITLES[key])}</h2>{notice}{content}</section>'
        )
    toc = "".join(
        f'<li><a href="#{key}">{_text(title)}</a></li>' for key, title in SECTION_TITLES.items()
    )
    title = f"{data.year}年度川货电商节数据报告"
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>{_text(title)}</h1>"
        '<p class="note">金额单位：万元（四舍五入保留两位小数）；净销售额 = 支付金额 − 退款金额；'
        "销售日期按北京时间的支付时间计。</p></header>"
        f"<nav><ol>{toc}</ol></nav>{''.join(body)}</body></html>\n"
    )
    return page, charts


def _text(value: object) -> str:
    return html.escape(str(value))


def _wan(yuan: Decimal) -> str:
    return f"{to_wan(yuan):,.2f}"


def _percent(rate: Decimal | None, *, signed: bool = False) -> str:
    if rate is None:
        return "—"
    value = (rate * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_text(header)}</th>" for header in headers)
    lines = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{_text(cell)}</td>' if index in numeric else f"<td>{_text(cell)}</td>"
            for index, cell in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _chart(figure: go.Figure, div_id: str, height: int) -> str:
    figure.update_layout(
        template="plotly_white",
        font={"family": FONT_STACK, "size": 13},
        height=height,
        margin={"l": 60, "r": 30, "t": 50, "b": 60},
    )
    # A fixed div id keeps the page byte-identical across runs.
    return pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config=_PLOT_CONFIG,
        default_width="100%",
        default_height=f"{height}px",
    )


def _overview(data: ReportData) -> tuple[str, int]:
    if data.totals is None:
        return "", 0
    cards = [
        ("支付金额（万元）", _wan(data.totals.gmv)),
        ("退款金额（万元）", _wan(data.totals.refund)),
        ("净销售额（万元）", _wan(data.totals.net_sales)),
    ]
    html_cards = "".join(
        f'<div class="card"><div class="label">{_text(label)}</div>'
        f'<div class="value">{_text(value)}</div></div>'
        for label, value in cards
    )
    return f'<div class="cards">{html_cards}</div>', 0


def _ranked_bar(names: list[str], values: list[Decimal], div_id: str, title: str) -> str:
    # Largest on top: plotly draws the first category of a horizontal bar at the bottom.
    figure = go.Figure(
        go.Bar(
            x=[to_wan(value) for value in reversed(values)],
            y=list(reversed(names)),
            orientation="h",
            marker_color="#b22222",
            hovertemplate="%{y}：%{x:,.2f} 万元<extra></extra>",
        )
    )
    figure.update_layout(title=title, xaxis_title="净销售额（万元）")
    return _chart(figure, div_id, height=max(320, 26 * len(names) + 120))


def _counties(data: ReportData) -> tuple[str, int]:
    units = data.top_counties
    if not units:
        return ("" if "counties" in data.missing else "<p>本年度没有县域销售。</p>"), 0
    chart = _ranked_bar(
        [unit.name for unit in units],
        [unit.net_sales for unit in units],
        "chart-counties",
        f"{data.year}年度县（市、区）净销售额（万元）",
    )
    table = _table(
        ["序号", "县（市、区）代码", "县（市、区）", "所属市（州）", "净销售额（万元）", "百品"],
        (
            [str(index), unit.unit_id, unit.name, unit.place, _wan(unit.net_sales), unit.note]
            for index, unit in enumerate(units, start=1)
        ),
        numeric={0, 4},
    )
    note = '<p class="note">按净销售额排列，不是评定的百县百品榜；榜单见评价结果。</p>'
    return chart + note + table, 1


def _enterprises(data: ReportData) -> tuple[str, int]:
    units = data.top_enterprises
    if not units:
        return ("" if "enterprises" in data.missing else "<p>本年度企业库为空。</p>"), 0
    chart = _ranked_bar(
        [unit.name for unit in units],
        [unit.net_sales for unit in units],
        "chart-enterprises",
        f"{data.year}年度企业净销售额（万元）",
    )
    table = _table(
        ["序号", "统一社会信用代码", "企业名称", "所在地", "净销售额（万元）"],
        (
            [str(index), unit.unit_id, unit.name, unit.place, _wan(unit.net_sales)]
            for index, unit in enumerate(units, start=1)
        ),
        numeric={0, 4},
    )
    note = '<p class="note">按净销售额排列，不是评定的电子商务百强；榜单见评价结果。</p>'
    return chart + note + table, 1


def _belt_name(belt: str | None) -> str:
    return _NO_BELT if belt is None else BELTS.get(belt, belt)


def _months(data: ReportData) -> tuple[str, int]:
    if not data.month_belts:
        return "", 0
    months = sorted({row.month for row in data.month_belts})
    # the vocabulary's order, then belts it does not know, then sales without a belt
    present = {row.belt for row in data.month_belts}
    belts: list[str | None] = [belt for belt in BELTS if belt in present]
    belts += sorted(belt for belt in present if belt is not None and belt not in BELTS)
    belts += [None] if None in present else []
    value = {(row.month, row.belt): row.net_sales for row in data.month_belts}
    labels = [f"{month.month}月" for month in months]
    zero = Decimal(0)
    figure = go.Figure(
        [
            go.Bar(
                name=_belt_name(belt),
                x=labels,
                y=[to_wan(value.get((month, belt), zero)) for month in months],
                hovertemplate=f"{_belt_name(belt)} %{{x}}：%{{y:,.2f}} 万元<extra></extra>",
            )
            for belt in belts
        ]
    )
    figure.update_layout(
        barmode="relative",
        title=f"{data.year}年度各月净销售额（万元），按产业带",
        yaxis_title="净销售额（万元）",
        legend_title="产业带",
    )
    table = _table(
        ["月份", *(_belt_name(belt) for belt in belts), "合计"],
        (
            [
                label,
                *(_wan(value.get((month, belt), zero)) for belt in belts),
                _wan(sum((value.get((month, belt), zero) for belt in belts), zero)),
            ]
            for month, label in zip(months, labels, strict=True)
        ),
        numeric=set(range(1, len(belts) + 2)),
    )
    return _chart(figure, "chart-months", height=460) + table, 1


def _cities(data: ReportData) -> tuple[str, int]:
    if not data.cities:
        return "", 0
    figure = go.Figure(
        go.Bar(
            x=[city.city_name for city in data.cities],
            y=[to_wan(city.net_sales) for city in data.cities],
            marker_color="#1f4e79",
            hovertemplate="%{x}：%{y:,.2f} 万元<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"{data.year}年度各市（州）净销售额（万元）", yaxis_title="净销售额（万元）"
    )
    table = _table(
        ["市（州）", "支付金额（万元）", "退款金额（万元）", "净销售额（万元）"],
        (
            [city.city_name, _wan(city.gmv), _wan(city.refund), _wan(city.net_sales)]
            for city in data.cities
        ),
        numeric={1, 2, 3},
    )
    note = '<p class="note">按销售企业注册地归属；未归属县域的是店铺尚未关联到企业库的销售。</p>'
    return _chart(figure, "chart-cities", height=440) + note + table, 1


def _window(start: dt.date, end: dt.date) -> str:
    return f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"


def _events(data: ReportData) -> tuple[str, int]:
    if not data.events:
        return "", 0
    names = [event.event_name for event in data.events]
    figure = go.Figure(
        [
            go.Bar(
                name="活动前同等天数",
                x=names,
                y=[to_wan(event.before_net_sales) for event in data.events],
                marker_color="#9aa5b1",
            ),
            go.Bar(
                name="活动期",
                x=names,
                y=[to_wan(event.window_net_sales) for event in data.events],
                marker_color="#b22222",
            ),
        ]
    )
    figure.update_layout(
        barmode="group",
        title=f"{data.year}年度各活动净销售额（万元）",
        yaxis_title="净销售额（万元）",
        xaxis_tickangle=-35,
    )
    table = _table(
        ["活动", "活动期", "天数", "范围", "活动期（万元）", "活动前同等天数（万元）", "变化"],
        (
            [
                event.event_name,
                _window(event.start_date, event.end_date),
                str(event.days),
                event.scope,
                _wan(event.window_net_sales),
                _wan(event.before_net_sales) if event.before_covered else "无数据",
                _percent(event.change_rate, signed=True),
            ]
            for event in data.events
        ),
        numeric={2, 4, 5, 6},
    )
    note = (
        '<p class="note">活动期与其前同等天数比较净销售额，限于活动所列平台和举办地'
        "（未列平台即全部平台）；“无数据”表示仓库中没有那么早的销售。</p>"
    )
    return _chart(figure, "chart-events", height=520) + note + table, 1


def _roster(data: ReportData) -> tuple[str, int]:
    if "roster" in data.missing:
        return "", 0
    if not data.roster:
        return "<p>本年度动态名录没有变动记录。</p>", 0
    table = _table(
        ["单位代码", "单位名称", "变动前", "变动后", "规则", "生效年度", "原因", "次年企业库"],
        (
            [
                row.unit_id,
                row.unit_name,
                STATUS_TITLES.get(row.status_before, row.status_before),
                STATUS_TITLES.get(row.status_after, row.status_after),
                _RULES.get(row.rule, row.rule),
                "" if row.effective_year is None else str(row.effective_year),
                row.reason,
                row.registry_note,
            ]
            for row in data.roster
        ),
        numeric={5},
    )
    return table, 0


def _goals(data: ReportData) -> tuple[str, int]:
    if not data.goals:
        return "", 0
    rates = [Decimal(goal.actual) / Decimal(goal.target) for goal in data.goals]
    percents = [(rate * 100).quantize(_TENTH, rounding=ROUND_HALF_UP) for rate in rates]
    # First goal on top; the axis reaches at least 100 % so a full goal reads as full.
    figure = go.Figure(
        go.Bar(
            x=list(reversed(percents)),
            y=[goal.title for goal in reversed(data.goals)],
            orientation="h",
            marker_color="#2f855a",
            text=[f"{goal.actual} / {goal.target}" for goal in reversed(data.goals)],
            textposition="auto",
            hovertemplate="%{y}：完成 %{x:.1f}%<extra></extra>",
        )
    )
    figure.update_xaxes(range=[0, max(Decimal(100), *percents) * Decimal("1.05")])
    figure.update_layout(title="“千百十”目标完成度（%）", xaxis_title="完成度（%）")
    table = _table(
        ["目标", "目标数（家）", "本年度（家）", "完成度", "口径"],
        (
            [goal.title, str(goal.target), str(goal.actual), _percent(rate), goal.note]
            for goal, rate in zip(data.goals, rates, strict=True)
        ),
        numeric={1, 2, 3},
    )
    note = '<p class="note">目标来自活动通知：用 3—5 年时间完成；“数十家”按至少 10 家计。</p>'
    return _chart(figure, "chart-goals", height=320) + note + table, 1


def _quality(data: ReportData) -> tuple[str, int]:
    quality = data.quality
    if quality is None:
        return "", 0
    summary = _table(
        ["项目", "数值"],
        [
            ["装载文件数", f"{quality.files:,}"],
            ["读取行数", f"{quality.rows_read:,}"],
            ["入库行数", f"{quality.rows_loaded:,}"],
            ["拒收行数", f"{quality.rows_rejected:,}"],
            ["跳过行数（重复表头、合计行、空行）", f"{quality.rows_skipped:,}"],
            ["本年度净销售额（万元）", _wan(quality.net_sales)],
            ["其中未归属企业（万元）", _wan(quality.unattributed_net_sales)],
            ["未归属占比", _percent(quality.unattributed_share)],
        ],
        numeric={1},
    )
    note = '<p class="note">装载与拒收统计覆盖仓库中的全部装载批次，不限于本年度。</p>'
    if not quality.rejects_by_reason:
        return summary + note + "<p>没有拒收行。</p>", 0
    figure = go.Figure(
        go.Bar(
            x=[code for code, _ in quality.rejects_by_reason],
            y=[count for _, count in quality.rejects_by_reason],
            marker_color="#c05621",
            hovertemplate="%{x}：%{y} 行<extra></extra>",
        )
    )
    figure.update_layout(title="拒收行按原因", xaxis_title="原因代码", yaxis_title="行数")
    reasons = _table(
        ["原因代码", "行数"],
        ([code, f"{count:,}"] for code, count in quality.rejects_by_reason),
        numeric={1},
    )
    return summary + note + _chart(figure, "chart-rejects", height=360) + reasons, 1
