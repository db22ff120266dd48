from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="run slow tests (corpus, long property runs)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long-running; enabled with --slow or LAMBDALINT_SLOW=1")
    if config.getoption("--slow"):
        os.environ["LAMBDALINT_SLOW"] = "1"  # property tests read it for their example counts


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow") or os.environ.get("LAMBDALINT_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow or LAMBDALINT_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
