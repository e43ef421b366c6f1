"""The class report, ``grades/report.html``: one self-contained HTML file (no
script, no font, no image or style sheet fetched from anywhere; charts are
inline SVG) that an instructor opens after ``grade-all``.

It shows the score distribution, the pass rate of every formula with the
property that failed most often (the property's claim, in plain words), the
entries that got no grade and why, and how long grading took. Everything is
drawn from ``gradebook.json`` (see :mod:`gradoracle.classroom`), so a merged
set of shards gets the same report as one run.

Every text that comes from a submission (names, import errors) is escaped.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from typing import Any

__all__ = ["render", "formula_summary", "score_histogram"]

BUCKETS = 10  # score distribution in tenths of the maximum

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232b; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d6dbe1; padding-bottom: .2rem; }
.lead { color: #4b5663; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid #d6dbe1; border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; }
.card b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e6e9ed; vertical-align: top; }
th { background: #f4f6f8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font-size: .92em; }
svg text { font: 12px system-ui, sans-serif; fill: #1d232b; }
.bar-pass { fill: #2f8f5b; } .bar-rest { fill: #e9ecef; } .bar-score { fill: #3d6fb6; }
.problem { color: #9b2c2c; }
.muted { color: #6b7580; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def score_histogram(rows: list[dict[str, Any]]) -> list[int]:
    """Graded rows per tenth of the maximum score; a full score falls in the last tenth."""
    counts = [0] * BUCKETS
    for row in rows:
        if row["outcome"] != "graded" or not row["max_score"]:
            continue
        fraction = max(0.0, min(1.0, row["score"] / row["max_score"]))
        counts[min(BUCKETS - 1, int(fraction * BUCKETS))] += 1
    return counts


def formula_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per formula: how many graded submissions passed, failed, lacked it, and
    the failing property most of them share."""
    summary: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["outcome"] != "graded":
            continue
        for formula_id, status in row["statuses"].items():
            entry = summary.setdefault(formula_id, {"formula": formula_id, "passed": 0, "failed": 0, "missing": 0, "claims": Counter()})
            entry[status if status in ("passed", "failed", "missing") else "failed"] += 1
            for claim in set(row.get("failed_claims", {}).get(formula_id, [])):
                entry["claims"][claim] += 1
    out = []
    for formula_id in sorted(summary):
        entry = summary[formula_id]
        graded = entry["passed"] + entry["failed"] + entry["missing"]
        # Most frequent claim; ties broken by the claim's text so the report is the same every time.
        top = sorted(entry["claims"].items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(
            {
                "formula": formula_id,
                "passed": entry["passed"],
                "failed": entry["failed"],
                "missing": entry["missing"],
                "graded": graded,
                "rate": entry["passed"] / graded if graded else 0.0,
                "top_claim": top[0][0] if top else "",
                "top_count": top[0][1] if top else 0,
            }
        )
    return out


def _histogram_svg(counts: list[int]) -> str:
    width, height, left, bottom, top = 640, 236, 36, 34, 30
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(counts) or 1
    bar_w = plot_w / len(counts)
    parts = [f'<svg id="score-distribution" role="img" aria-label="score distribution" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#9aa3ad"/>')
    for k, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + k * bar_w
        low, high = k * 100 // BUCKETS, (k + 1) * 100 // BUCKETS
        label = f"{low}\u2013{high}%"
        parts.append(
            f'<rect class="bar-score" data-bucket="{k}" data-count="{count}" x="{x + 3:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{bar_w - 6:.1f}" height="{h:.1f}"><title>{label}: {count}</title></rect>'
        )
        if count:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">{label}</text>')
    parts.append('<text x="4" y="12">submissions</text>')
    parts.append("</svg>")
    return "".join(parts)


def _pass_rate_svg(formulas: list[dict[str, Any]]) -> str:
    # Room for the longest formula ID (about 7 px a character at 12 px).
    label_w = max(120, 10 + 7 * max((len(f["formula"]) for f in formulas), default=10))
    bar_w, row_h = 360, 20
    width = label_w + bar_w + 100
    height = 10 + row_h * len(formulas)
    parts = [f'<svg id="pass-rate" role="img" aria-label="pass rate per formula" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for i, f in enumerate(formulas):
        y = 5 + i * row_h
        passed_w = bar_w * f["rate"]
        percent = round(100 * f["rate"])
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_e(f["formula"])}</text>')
        parts.append(f'<rect class="bar-rest" x="{label_w}" y="{y + 2}" width="{bar_w}" height="{row_h - 5}"/>')
        parts.append(
            f'<rect class="bar-pass" data-formula="{_e(f["formula"])}" data-passed="{f["passed"]}" data-graded="{f["graded"]}" '
            f'x="{label_w}" y="{y + 2}" width="{passed_w:.1f}" height="{row_h - 5}"><title>{_e(f["formula"])}: '
            f'{f["passed"]} of {f["graded"]} passed</title></rect>'
        )
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 13}">{percent}% ({f["passed"]}/{f["graded"]})</text>')
    parts.append("</svg>")
    return "".join(parts)


def _seconds(value: float) -> str:
    if value >= 90:
        return f"{value / 60:.1f} min"
    return f"{value:.1f} s"


def render(book: dict[str, Any]) -> str:
    """The report for a gradebook (the dict ``gradebook.json`` holds)."""
    rows = book["rows"]
    graded = [r for r in rows if r["outcome"] == "graded"]
    not_imported = [r for r in graded if r.get("import_error")]
    unresolved = [r for r in rows if r["outcome"] != "graded"]
    formulas = formula_summary(rows)
    counts = score_histogram(rows)
    fractions = [r["score"] / r["max_score"] for r in graded if r["max_score"]]
    max_score = max((r["max_score"] for r in graded), default=0)
    seconds = [r["seconds"] for r in rows if r["outcome"] != "not_a_submission"]
    shard = book.get("shard")
    title = "Class report" + (f" (slice {shard['index']} of {shard['count']})" if shard else "")

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">']
    # No request leaves the page: nothing is loaded from anywhere, not even a favicon.
    out.append('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">')
    out.append('<link rel="icon" href="data:,">')
    out.append(f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>")
    out.append(f"<h1>{_e(title)}</h1>")
    settings = book.get("settings", {})
    chosen = ", ".join(settings.get("formulas") or []) or "every formula"
    assignment = settings.get("assignment")
    if assignment:
        chosen = f"assignment {assignment['name']} ({assignment['formulas']} formulas)"
    out.append(f'<p class="lead">{len(rows)} entries in the class folder; graded on {_e(chosen)}.</p>')
    cards = [
        ("entries", len(rows), "rows"),
        ("graded", len(graded), "graded"),
        ("do not import", len(not_imported), "not-imported"),
        ("no grade", len(unresolved), "no-grade"),
        ("median score", f"{statistics.median(fractions) * 100:.0f}%" if fractions else "\u2013", "median"),
        ("full marks", sum(1 for f in fractions if f >= 1.0), "full"),
    ]
    out.append('<div class="cards">' + "".join(f'<div class="card" id="card-{key}"><b>{_e(v)}</b>{_e(k)}</div>' for k, v, key in cards) + "</div>")

    out.append("<h2>Score distribution</h2>")
    out.append(f'<p class="muted">Graded submissions by score, in tenths of the maximum ({max_score:g} points); a submission that does not import scores 0.</p>')
    out.append(_histogram_svg(counts))

    out.append("<h2>Pass rate per formula</h2>")
    if formulas:
        out.append(_pass_rate_svg(formulas))
        out.append('<table id="formulas"><thead><tr><th>formula</th><th class="num">passed</th><th class="num">failed</th>'
                   '<th class="num">missing</th><th>the property that failed most often</th></tr></thead><tbody>')
        for f in formulas:
            claim = (
                f'{_e(f["top_claim"])} <span class="muted">({f["top_count"]} of {f["failed"]} failing)</span>'
                if f["top_claim"]
                else '<span class="muted">\u2013</span>'
            )
            out.append(
                f'<tr data-formula="{_e(f["formula"])}"><td><code>{_e(f["formula"])}</code></td>'
                f'<td class="num">{f["passed"]}</td><td class="num">{f["failed"]}</td><td class="num">{f["missing"]}</td><td>{claim}</td></tr>'
            )
        out.append("</tbody></table>")
        out.append('<p class="muted">“Missing” counts submissions that do not provide the formula (or do not import).</p>')
    else:
        out.append("<p>No submission was graded.</p>")

    out.append("<h2>Not graded, or scored 0 without running</h2>")
    trouble = unresolved + not_imported
    if trouble:
        out.append('<table id="not-graded"><thead><tr><th>entry</th><th>why</th></tr></thead><tbody>')
        for r in sorted(trouble, key=lambda r: r["name"]):
            if r["outcome"] == "graded":
                why = f"does not import (scored 0): {r['import_error']}"
            elif r["outcome"] == "not_a_submission":
                why = f"not a submission: {r['problem']}"
            else:
                why = f"the grader failed (not the student's fault): {r['problem']}"
            out.append(f'<tr data-outcome="{_e(r["outcome"])}"><td>{_e(r["name"])}</td><td class="problem">{_e(why)}</td></tr>')
        out.append("</tbody></table>")
    else:
        out.append('<p id="not-graded">Every entry was graded.</p>')

    out.append("<h2>Timing</h2>")
    if seconds:
        slowest = sorted((r for r in rows if r["outcome"] != "not_a_submission"), key=lambda r: -r["seconds"])[:5]
        out.append(
            f'<p id="timing">Wall time {_seconds(book.get("wall_seconds", 0.0))} with {book.get("jobs", 1)} at a time'
            + (f", {book['merged_from']} slices merged (wall time of the slowest)" if book.get("merged_from") else "")
            + f"; per submission median {_seconds(statistics.median(seconds))}, longest {_seconds(max(seconds))}.</p>"
        )
        out.append('<table id="slowest"><thead><tr><th>slowest</th><th class="num">time</th></tr></thead><tbody>')
        for r in slowest:
            out.append(f'<tr><td>{_e(r["name"])}</td><td class="num">{_seconds(r["seconds"])}</td></tr>')
        out.append("</tbody></table>")
    else:
        out.append('<p id="timing">Nothing was graded.</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
