"""The class report (``report.html``) rendered in real headless Chromium: the
charts and tables carry the right numbers, text from submissions is escaped,
and the page makes no network request (Chromium's own network log says so)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from gradoracle import class_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); the report is checked in a real browser"
)

HOSTILE = '<img src=x onerror="document.title=1"><script>document.title=2</script>'
GRAD_CLAIM = "the gradient is the derivative of the loss (scipy.differentiate)"


def _row(name: str, outcome: str = "graded", *, score: float = 0, statuses=None, claims=None, **extra: Any) -> dict[str, Any]:
    return {
        "name": name, "entry": name, "outcome": outcome, "problem": extra.get("problem", ""),
        "score": score, "max_score": 4.0 if outcome == "graded" else 0.0, "seconds": extra.get("seconds", 10.0),
        "import_error": extra.get("import_error"), "statuses": statuses or {}, "failed_claims": claims or {},
    }


ALL = ["logistic.gd_step", "logistic.grad", "logistic.hessian", "logistic.loss"]


def _book() -> dict[str, Any]:
    passed = {f: "passed" for f in ALL}
    return {
        "format": "gradoracle-gradebook/1", "class": [], "shard": None,
        "settings": {"formulas": ["logistic.*"], "assignment_sha256": None}, "jobs": 2, "wall_seconds": 125.0,
        "rows": [
            _row("alice", score=4, statuses=passed, seconds=12.5),
            _row("bob", score=3, statuses={**passed, "logistic.grad": "failed"},
                 claims={"logistic.grad": [GRAD_CLAIM, "agrees with the reference implementation"]}, seconds=30.0),
            _row("carol", score=2, statuses={**passed, "logistic.grad": "failed", "logistic.hessian": "failed"},
                 claims={"logistic.grad": [GRAD_CLAIM], "logistic.hessian": ["the Hessian is symmetric"]}, seconds=20.0),
            _row("dave", score=0, statuses={f: "missing" for f in ALL}, import_error="SyntaxError: invalid syntax (dave.py, line 1)"),
            _row("erin", "not_a_submission", problem="a .txt file is not a submission (.py or .ipynb)"),
            _row("frank", "not_graded", problem="grading took longer than 60 s and was stopped", seconds=60.0),
            _row(HOSTILE, "not_a_submission", problem="no .py or .ipynb file in the folder"),
        ],
    }


class _Elements(HTMLParser):
    """Every element with its attributes and the text directly inside it or its children."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[dict[str, Any]] = []
        self.open: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if tag not in ("img", "meta", "link", "br", "line", "input"):
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element["text"] += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, Any]]:
        return [e for e in self.elements if e["tag"] == tag and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())]


def _chromium(page: Path, tmp_path: Path, *args: str) -> tuple[str, list[str]]:
    """Render ``page``; return the DOM and the URLs of every request the page
    made, from Chromium's network log (the browser's own background requests,
    logged with the initiator "not an origin", are not the page's)."""
    net_log = tmp_path / "net-log.json"
    completed = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", f"--log-net-log={net_log}",
            # Any request that escaped would fail to resolve; the log still records it.
            "--host-resolver-rules=MAP * ~NOTFOUND", *args, page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    text = net_log.read_text()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # a log cut short on exit lacks its closing brackets
        log = json.loads(text.rstrip().rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = [
        params["url"]
        for event in log["events"]
        if event["type"] == start_job
        and "url" in (params := event.get("params", {}))
        and params.get("initiator") != "not an origin"
    ]
    return completed.stdout, urls


def _outside(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(("file:", "data:", "chrome:", "about:"))]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[_Elements, str, list[str]]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    tmp_path = tmp_path_factory.mktemp("report")
    page = tmp_path / "report.html"
    page.write_text(class_report.render(_book()), encoding="utf-8")
    dom, urls = _chromium(page, tmp_path, "--dump-dom")
    elements = _Elements()
    elements.feed(dom)
    return elements, page.read_text(), urls


@needs_chromium
def test_the_score_distribution_has_the_right_bars(rendered) -> None:
    elements, _, _ = rendered
    bars = {int(e["attrs"]["data-bucket"]): int(e["attrs"]["data-count"]) for e in elements.find("rect", **{"class": "bar-score"})}
    # alice 4/4 (last tenth), bob 3/4, carol 2/4, dave 0/4 (does not import); erin, frank: no grade.
    assert bars == {0: 1, 1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 6: 0, 7: 1, 8: 0, 9: 1}
    heights = {int(e["attrs"]["data-bucket"]): float(e["attrs"]["height"]) for e in elements.find("rect", **{"class": "bar-score"})}
    assert heights[9] == heights[0] > 0 and heights[1] == 0


@needs_chromium
def test_the_pass_rate_chart_and_table_have_the_right_numbers(rendered) -> None:
    elements, _, _ = rendered
    bars = {e["attrs"]["data-formula"]: e for e in elements.find("rect", **{"class": "bar-pass"})}
    assert sorted(bars) == ALL
    grad = bars["logistic.grad"]["attrs"]
    assert (grad["data-passed"], grad["data-graded"]) == ("1", "4")  # dave's missing counts as not passed
    assert float(grad["width"]) == pytest.approx(360 * 1 / 4)
    assert float(bars["logistic.loss"]["attrs"]["width"]) == pytest.approx(360 * 3 / 4)
    rows = {e["attrs"]["data-formula"]: e["text"] for e in elements.find("tr") if "data-formula" in e["attrs"]}
    assert f"{GRAD_CLAIM} (2 of 2 failing)" in rows["logistic.grad"]
    assert "the Hessian is symmetric (1 of 1 failing)" in rows["logistic.hessian"]
    assert rows["logistic.grad"].startswith("logistic.grad" "1" "2" "1")  # passed, failed, missing
    labels = [e["text"] for e in elements.find("text")]
    assert "25% (1/4)" in labels and "75% (3/4)" in labels


@needs_chromium
def test_entries_without_a_grade_are_listed_with_the_reason(rendered) -> None:
    elements, _, _ = rendered
    rows = {e["text"].split("\n")[0]: (e["attrs"]["data-outcome"], e["text"]) for e in elements.find("tr") if "data-outcome" in e["attrs"]}
    texts = " | ".join(text for _, text in rows.values())
    assert "erinnot a submission: a .txt file is not a submission (.py or .ipynb)" in texts
    assert "frankthe grader failed (not the student's fault): grading took longer than 60 s and was stopped" in texts
    assert "davedoes not import (scored 0): SyntaxError: invalid syntax (dave.py, line 1)" in texts
    # A file name that is HTML stays text: no element, no script came from it.
    assert HOSTILE + "not a submission: no .py or .ipynb file in the folder" in texts
    assert elements.find("script") == [] and len(elements.find("img")) == 0


@needs_chromium
def test_the_timing_and_the_summary_cards(rendered) -> None:
    elements, _, _ = rendered
    timing = elements.find("p", id="timing")[0]["text"]
    # Per submission over the four graded and frank's 60 s (10, 12.5, 20, 30, 60): median 20 s.
    assert "Wall time 2.1 min with 2 at a time" in timing and "median 20.0 s, longest 60.0 s" in timing
    cards = {e["attrs"]["id"]: e["text"] for e in elements.find("div") if e["attrs"].get("id", "").startswith("card-")}
    assert cards["card-rows"].startswith("7") and cards["card-graded"].startswith("4")
    assert cards["card-no-grade"].startswith("3") and cards["card-median"].startswith("62%")


@needs_chromium
def test_the_report_is_self_contained_and_makes_no_request(rendered) -> None:
    _, html, urls = rendered
    assert not re.search(r"https?://|//[a-z]", html, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html)
    assert _outside(urls) == []


@needs_chromium
def test_the_request_check_sees_a_request(tmp_path: Path) -> None:
    """The known-bad case: a page that fetches an image is caught by the same check."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><p>x</p><img src="http://grades.example.invalid/pixel.png">')
    _, urls = _chromium(page, tmp_path, "--dump-dom")
    assert "http://grades.example.invalid/pixel.png" in _outside(urls)


@needs_chromium
def test_a_screenshot_can_be_taken(tmp_path: Path) -> None:
    """The page renders to pixels (look at it: CLASS_REPORT_SCREENSHOT=path keeps a copy)."""
    import os

    page = tmp_path / "report.html"
    page.write_text(class_report.render(_book()), encoding="utf-8")
    shot = tmp_path / "report.png"
    _chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1100,1900", "--hide-scrollbars")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    if os.environ.get("CLASS_REPORT_SCREENSHOT"):
        shutil.copy(shot, os.environ["CLASS_REPORT_SCREENSHOT"])
