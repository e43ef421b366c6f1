"""Speed of the suite: how long the README's commands take, what grading one
formula costs, what the sandbox adds per formula, and how long a class takes.

    python benchmarks/timing.py                 # suite, meta-tests, one formula, sandbox overhead
    python benchmarks/timing.py --batch 30      # also grade 30 submissions of the full catalogue

Prints a Markdown table (kept in the README) and writes benchmarks/out/timing.json.
Wall times depend on the machine and its load: they are measurements, never
assertions, and no test reads them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REFERENCE_SUBMISSION = ROOT / "benchmarks" / "submissions" / "independent_numpy.py"  # correct, and stands alone in the jail
EXAMPLE = ROOT / "examples" / "student_submission.py"


def _run(command: list[str], cwd: Path = ROOT) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the children, exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.returncode


PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def measure_commands() -> list[dict]:
    rows = []
    cases = [
        ("properties vs reference, ci profile, -n auto", PYTEST + ["--pyargs", "properties", "-n", "auto"]),
        ("properties vs reference, ci profile, 1 process", PYTEST + ["--pyargs", "properties", "-p", "no:xdist"]),
        (
            "logistic, softmax, batchnorm, newton vs reference, ci profile, -n auto",
            PYTEST + ["--pyargs", "properties", "-n", "auto"]
            + [word for family in ("logistic", "softmax", "batchnorm", "newton") for word in ("--formula", f"{family}.*")],
        ),
        ("meta-tests, -n auto", PYTEST + ["meta_tests", "-n", "auto"]),
        ("README test command (pytest -n auto)", [sys.executable, "-m", "pytest", "-n", "auto", "-q"]),
        (
            "grade the example submission, full catalogue, -n auto",
            PYTEST + ["--pyargs", "properties", "--impl", str(EXAMPLE), "-n", "auto"],
        ),
    ]
    for name, command in cases:
        wall, cpu, status = _run(command)
        rows.append({"measure": name, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "exit": status})
        print(f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU (exit {status})", file=sys.stderr)
    return rows


def measure_one_formula(formulas: list[str]) -> list[dict]:
    rows = []
    for formula in formulas:
        for mode, extra in (("sandboxed", []), ("in-process", ["--no-sandbox"])):
            command = PYTEST + ["--pyargs", "properties", "--impl", str(REFERENCE_SUBMISSION), "--formula", formula, "-p", "no:xdist", *extra]
            wall, cpu, status = _run(command)
            rows.append({"measure": f"grade {formula} ({mode}, whole command)", "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "exit": status})
            print(f"grade {formula} {mode}: {wall:.2f} s", file=sys.stderr)
    return rows


def measure_isolation_overhead() -> dict:
    """Per formula: time of all its properties against the same code called in
    this process and in the sandboxed worker (grading profile)."""
    from gradoracle import profiles

    profiles.load("grading")
    from gradoracle.sandbox import SandboxedImplementation
    from gradoracle.submission import Implementation
    from meta_tests.helpers import run_property
    from reference import registry

    registry.load_properties()
    in_process = Implementation("reference (in process)", {f.id: f.reference for f in registry.all_formulas()})
    sandboxed = SandboxedImplementation(str(REFERENCE_SUBMISSION))
    per_formula = {}
    try:
        for entry in registry.all_formulas():
            times = {}
            for label, implementation in (("in_process", in_process), ("sandboxed", sandboxed)):
                started = time.perf_counter()
                for prop in entry.properties:
                    failure = run_property(prop, implementation)
                    if failure is not None:
                        raise SystemExit(f"{prop.qualname} failed against the reference {label}: {failure}")
                times[label] = time.perf_counter() - started
            per_formula[entry.id] = times
            print(f"{entry.id}: {times['in_process']:.2f} s in process, {times['sandboxed']:.2f} s sandboxed", file=sys.stderr)
    finally:
        sandboxed.close()
    ratios = [t["sandboxed"] / t["in_process"] for t in per_formula.values() if t["in_process"] > 0]
    total_in = sum(t["in_process"] for t in per_formula.values())
    total_sb = sum(t["sandboxed"] for t in per_formula.values())
    return {
        "formulas": len(per_formula),
        "median_ratio": round(statistics.median(ratios), 2),
        "max_ratio": round(max(ratios), 2),
        "worst_formula": max(per_formula, key=lambda f: per_formula[f]["sandboxed"] / max(per_formula[f]["in_process"], 1e-9)),
        "total_in_process_s": round(total_in, 1),
        "total_sandboxed_s": round(total_sb, 1),
        "total_ratio": round(total_sb / total_in, 2),
        "median_formula_sandboxed_s": round(statistics.median(t["sandboxed"] for t in per_formula.values()), 2),
        "per_formula": {k: {kk: round(vv, 3) for kk, vv in v.items()} for k, v in per_formula.items()},
    }


def measure_batch(count: int) -> dict:
    """Grade ``count`` submissions of the full catalogue with ``gradoracle grade-all``."""
    sources = [EXAMPLE, REFERENCE_SUBMISSION]
    independent = ROOT / "benchmarks" / "submissions" / "independent_numpy.py"
    if independent.exists():
        sources.append(independent)
    folder = Path(tempfile.mkdtemp(prefix="gradoracle-class-"))
    out = folder.parent / (folder.name + "-out")
    for i in range(count):
        source = sources[i % len(sources)]
        student = folder / f"student{i:02d}"
        student.mkdir()
        shutil.copy(source, student / "submission.py")
    wall, cpu, status = _run([sys.executable, "-m", "gradoracle.cli", "grade-all", str(folder), "--out", str(out), "-j", str(os.cpu_count() or 1)])
    rows = (out / "gradebook.csv").read_text().strip().splitlines()
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return {"submissions": count, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "gradebook_rows": len(rows) - 1, "exit": status}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=0, help="also grade this many submissions with grade-all")
    parser.add_argument("--skip-commands", action="store_true")
    parser.add_argument("--formula", action="append", default=None, help="formulas for the one-formula timing")
    args = parser.parse_args()
    report: dict = {"machine": {"cores": os.cpu_count()}}
    if not args.skip_commands:
        report["commands"] = measure_commands()
        report["one_formula"] = measure_one_formula(args.formula or ["logistic.grad", "softmax.regression_grad", "optimizers.adam"])
    report["isolation"] = measure_isolation_overhead()
    if args.batch:
        report["batch"] = measure_batch(args.batch)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "timing.json").write_text(json.dumps(report, indent=2) + "\n")

    print("| measure | wall (s) | CPU (s) |")
    print("|---|---:|---:|")
    for row in report.get("commands", []) + report.get("one_formula", []):
        print(f"| {row['measure']} | {row['wall_s']} | {row['cpu_s']} |")
    iso = report["isolation"]
    print(
        f"| all properties of all {iso['formulas']} formulas, in process vs sandboxed | "
        f"{iso['total_in_process_s']} vs {iso['total_sandboxed_s']} (×{iso['total_ratio']}; median formula ×{iso['median_ratio']}, "
        f"worst {iso['worst_formula']} ×{iso['max_ratio']}) | |"
    )
    if "batch" in report:
        b = report["batch"]
        print(f"| grade-all, {b['submissions']} submissions × full catalogue, -j {os.cpu_count()} | {b['wall_s']} | {b['cpu_s']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
