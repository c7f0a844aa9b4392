"""A big GB18030 file re-encoded by child processes equals Python's own decoding of it.

The ranges are forced small (one per few lines) so that every claim crosses the cuts
between child processes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import transcode

# 5 bytes in GB18030: two for 甲, then ",1\n"
LINE = "甲,1\n"


@pytest.fixture(autouse=True)
def _tiny_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcode, "_MIN_RANGE_BYTES", 1)


def test_ranges_decoded_by_several_children_join_in_file_order(tmp_path: Path) -> None:
    text = "".join(f"第{n}行,¥{n}.00,“引号”\n" for n in range(40)) + "末行,无换行"
    source = tmp_path / "gbk.csv"
    source.write_bytes(text.encode("gb18030"))
    target = tmp_path / "utf8.csv"

    transcode.transcode(source, "gb18030", target, workers=3)

    assert target.read_bytes() == text.encode("utf-8")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gbk.csv", "utf8.csv"]


def test_a_bad_byte_in_a_later_range_is_named_by_its_offset_in_the_file(tmp_path: Path) -> None:
    # ten good lines (50 bytes), then "x," and a byte no GB18030 character starts with
    data = (LINE * 10).encode("gb18030") + b"x,\xff\n" + (LINE * 10).encode("gb18030")
    source = tmp_path / "bad.csv"
    source.write_bytes(data)

    with pytest.raises(transcode.UndecodableByte) as raised:
        transcode.transcode(source, "gb18030", tmp_path / "utf8.csv", workers=4)

    assert raised.value.offset == 52
    assert [path.name for path in tmp_path.iterdir()] == ["bad.csv"]


def test_the_first_bad_byte_is_named_when_several_ranges_fail(tmp_path: Path) -> None:
    good = (LINE * 6).encode("gb18030")  # 30 bytes
    data = good + b"\x80\n" + good + b"\xff\n" + good
    source = tmp_path / "bad.csv"
    source.write_bytes(data)

    with pytest.raises(transcode.UndecodableByte) as raised:
        transcode.transcode(source, "gb18030", tmp_path / "utf8.csv", workers=5)

    assert raised.value.offset == 30


def test_a_character_cut_by_the_end_of_the_file_is_undecodable(tmp_path: Path) -> None:
    source = tmp_path / "cut.csv"
    # 甲 is b"\xbc\xd7": the file ends after its first byte, at offset 5
    source.write_bytes((LINE * 1).encode("gb18030") + b"\xbc")

    with pytest.raises(transcode.UndecodableByte) as raised:
        transcode.transcode(source, "gb18030", tmp_path / "utf8.csv", workers=2)

    assert raised.value.offset == 5


def test_an_encoding_whose_characters_may_hold_a_newline_byte_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "utf16.csv"
    source.write_bytes("甲\n".encode("utf-16"))

    with pytest.raises(ValueError, match="newline"):
        transcode.transcode(source, "utf-16", tmp_path / "utf8.csv")
