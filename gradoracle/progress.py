"""Per-formula progress for ``gradoracle grade-all``: a pytest plugin it loads
explicitly (``-p gradoracle.progress``) in each submission's grading process.

When every property of a formula has been reported, it writes one line
``gradoracle-progress: K/N formulas (ID)`` to the terminal; ``grade-all``
reads those lines from the process's output and shows them for long grades.
It is never loaded by a plain ``pytest`` run.
"""

from __future__ import annotations

from typing import Any

import pytest

from gradoracle.classroom import PROGRESS_PREFIX as PREFIX


class _FormulaProgress:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.remaining: dict[str, int] = {}
        self.formula_of: dict[str, str] = {}
        self.done = 0

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("formula")
            if marker is not None:
                self.formula_of[item.nodeid] = marker.args[0]
                self.remaining[marker.args[0]] = self.remaining.get(marker.args[0], 0) + 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown" or report.nodeid not in self.formula_of:
            return
        formula_id = self.formula_of[report.nodeid]
        self.remaining[formula_id] -= 1
        if self.remaining[formula_id] == 0:
            self.done += 1
            writer: Any = self.config.pluginmanager.get_plugin("terminalreporter")
            if writer is not None:
                writer.write_line(f"{PREFIX}{self.done}/{len(self.remaining)} formulas ({formula_id})")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_FormulaProgress(config), "gradoracle-formula-progress")
