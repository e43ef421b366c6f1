"""Meta-tests check the suite itself, never a submission: skipped under --impl."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if config.getoption("gradoracle_impl", default=None):
        return True
    return None
