"""Helpers shared by the loaders: safe type coercion and reading files into text."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

from lambdalint.model import UNKNOWN, Finding, Location, Severity, Unknown


def as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def as_int(value: Any) -> int | Unknown | None:
    """An integer property: None when absent, UNKNOWN when not a literal number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return UNKNOWN
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return UNKNOWN
    return UNKNOWN


def as_bool(value: Any) -> bool | Unknown | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return UNKNOWN


def decode_text(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); raises UnicodeDecodeError otherwise."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return data.decode("utf-8")


def parse_error(path: Path, message: str, line: int = 1, col: int = 1) -> Finding:
    return Finding(
        rule_id="LL002",
        message=message,
        location=Location(path, max(line, 1), max(col, 1)),
        severity=Severity.ERROR,
        logical="parse",
    )
