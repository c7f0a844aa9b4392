"""The warehouse's closed vocabularies: platforms, belts, unit types, grades.

Codes are the identifiers stored in the warehouse; the Chinese names are what
files and award tables show. dbt seeds carry the same lists (a test checks that
they agree), so a new platform or belt is added in both places.
"""

from __future__ import annotations

PLATFORMS: dict[str, str] = {
    "taobao": "淘宝",
    "tmall": "天猫",
    "jd": "京东",
    "douyin": "抖音",
    "kuaishou": "快手",
    "pinduoduo": "拼多多",
    "1919": "1919",
    "miniprogram": "川货电商节小程序",
    "other": "其他平台",
}

BELTS: dict[str, str] = {
    "liquor": "川酒",
    "tea": "川茶",
    "seasoning": "川调味",
    "farm": "川农特",
    "home": "川家居",
    "textile": "川纺织服装",
    "other": "其他",
}

# 企业库 类型: what kind of unit an enterprise-registry row is.
ENTERPRISE_TYPES: dict[str, str] = {
    "enterprise": "企业",
    "agency": "直播机构",
    "service": "服务企业",
    "base": "产业基地",
}

DEMONSTRATION_KINDS: dict[str, str] = {
    "enterprise": "示范企业",
    "base": "示范基地",
}

# Sales channels of a line, where the layout says.
CHANNELS: dict[str, str] = {
    "live": "直播",
    "video": "短视频",
    "shelf": "货架",
}

GRADES: dict[str, str] = {
    "excellent": "优秀",
    "good": "良好",
    "pass": "合格",
    "poor": "较差",
}


def code_for_name(vocabulary: dict[str, str], name: str) -> str | None:
    """The code whose Chinese name (or code) is `name`, or None."""
    text = name.strip()
    if text in vocabulary:
        return text
    for code, label in vocabulary.items():
        if label == text:
            return code
    return None
