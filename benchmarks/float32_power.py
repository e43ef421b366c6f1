"""The mutant corpus graded in float32 next to float64: does grading in float32
(with its derived tolerances) still kill what float64 kills?

    python benchmarks/float32_power.py [--family F]... [--profile grading] [--json PATH]

Each mutant of ``meta_tests/corpus`` (NumPy code written for float64) is graded
twice, with every property of its formula in registration order until one
rejects it (as ``benchmarks/power.py`` does):

- in float64, exactly as ``power.py`` grades it;
- in float32 as a *float32 port*: it is handed float32 NumPy arrays (inputs
  rounded to float32, through ``gradoracle.namespaces.adapt_function``) and
  its floating results are rounded to float32, so it is judged as a float32
  library would be, with the derived float32 error bars
  (``properties/dtype_tolerance.py``).

Controls (false failures): the reference, ported to float32 the same way, and
``benchmarks/submissions/torch_native.py`` in float32 with torch tensors
(when torch is installed), every property of every formula.

It prints the kill rate per family in both dtypes, the mutants float32 cannot
tell apart from a correct implementation (with the property that killed them
in float64 and the size of their error against the float32 bar: why), and
the false failures of the controls. Not part of the test run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from gradoracle import namespaces, profiles  # noqa: E402


def float32_port(fn: Callable[..., Any], formula_id: str) -> Callable[..., Any]:
    """``fn`` given float32 NumPy inputs, its floating results rounded to float32."""

    def rounded_results(*args: Any) -> Any:
        return _to_float32(fn(*args))

    rounded_results.__name__ = getattr(fn, "__name__", formula_id)
    return namespaces.adapt_function(rounded_results, formula_id, array_namespace="numpy", dtype="float32")


def _to_float32(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_to_float32(v) for v in value)
    if isinstance(value, list):
        return [_to_float32(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        return np.float32(value)
    return value


def first_rejection(properties: list[Any], implementation: Any, *, all_properties: bool = False) -> tuple[str, str]:
    """(name of the first property that rejects ``implementation``, its message) or ("", "")."""
    from meta_tests.helpers import run_property

    for prop in properties:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            failure = run_property(prop, implementation)
        if failure is not None:
            return prop.name, str(failure)
    return "", ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/float32_power.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", action="append", default=[], help="only this family (repeatable)")
    parser.add_argument("--profile", default="grading", help="Hypothesis profile (default: grading, derandomized)")
    parser.add_argument("--no-controls", action="store_true", help="skip the reference port and torch_native")
    parser.add_argument("--json", metavar="PATH", help="also write every result as JSON")
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    log = (lambda _m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    profiles.load(args.profile)

    from gradoracle.submission import Implementation
    from meta_tests.corpus import all_mutants
    from properties.dtype_tolerance import measured
    from reference import registry

    registry.load_properties()
    formulas = [f for f in registry.all_formulas() if f.properties and (not args.family or f.family in args.family)]
    properties = {f.id: f.properties for f in formulas}
    mutants = [m for m in all_mutants() if m.formula in properties]
    wall = time.perf_counter()

    rows: list[dict[str, Any]] = []
    for index, m in enumerate(mutants, 1):
        killer64, _ = first_rejection(properties[m.formula], Implementation(m.id, m.functions()))
        ported = {fid: float32_port(fn, fid) for fid, fn in m.functions().items()}
        with namespaces.active("numpy", "float32"):
            killer32, message32 = first_rejection(properties[m.formula], measured(Implementation(m.id, ported)))
        rows.append({
            "id": m.id, "formula": m.formula, "family": m.formula.split(".")[0], "bug": m.bug,
            "description": " ".join(m.description.split()), "killed64": killer64, "killed32": killer32,
            "message32": message32.splitlines()[:12] if killer32 else [],
        })
        log(f"[{index}/{len(mutants)}] {m.id}: float64 {killer64 or 'SURVIVED'}; float32 {killer32 or 'SURVIVED'}")

    controls: dict[str, list[tuple[str, str, str]]] = {}
    if not args.no_controls:
        reference = {f.id: float32_port(f.reference, f.id) for f in registry.all_formulas()}
        candidates: dict[str, Any] = {"reference (NumPy float32 port)": Implementation("reference-float32", reference)}
        namespace_of = {"reference (NumPy float32 port)": "numpy"}
        if importlib.util.find_spec("torch") is not None:
            from gradoracle.loading import import_submission, lookup_formulas

            module = import_submission(str(ROOT / "benchmarks" / "submissions" / "torch_native.py"))
            functions = lookup_formulas(module, registry.ids())
            candidates["torch_native (torch float32)"] = Implementation("torch_native", {
                fid: namespaces.adapt_function(fn, fid, array_namespace="torch", dtype="float32") for fid, fn in functions.items()
            })
            namespace_of["torch_native (torch float32)"] = "torch"
        for name, implementation in candidates.items():
            failures = []
            with namespaces.active(namespace_of[name], "float32"):
                graded = measured(implementation)
                for formula_id, props in properties.items():
                    for prop in props:
                        killer, message = first_rejection([prop], graded)
                        if killer:
                            failures.append((formula_id, killer, message.splitlines()[0] if message else ""))
            controls[name] = failures
            log(f"control {name}: {len(failures)} false failures")

    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_family[row["family"]].append(row)
    print(f"float32 power: {len(rows)} mutants of {len(properties)} formulas, profile {args.profile}")
    print()
    print("| family | mutants | killed in float64 | killed in float32 |")
    print("|---|---:|---:|---:|")
    for family, group in sorted(by_family.items()):
        k64 = sum(bool(r["killed64"]) for r in group)
        k32 = sum(bool(r["killed32"]) for r in group)
        print(f"| {family} | {len(group)} | {k64} ({100 * k64 / len(group):.1f}%) | {k32} ({100 * k32 / len(group):.1f}%) |")
    k64 = sum(bool(r["killed64"]) for r in rows)
    k32 = sum(bool(r["killed32"]) for r in rows)
    total = max(len(rows), 1)
    print(f"| **all** | {len(rows)} | {k64} ({100 * k64 / total:.1f}%) | {k32} ({100 * k32 / total:.1f}%) |")
    print()
    lost = [r for r in rows if r["killed64"] and not r["killed32"]]
    print(f"Killed in float64, not in float32: {len(lost)}")
    for r in lost:
        print(f"  {r['id']} ({r['bug']}): {r['description']} [float64 killer: {r['killed64']}]")
    gained = [r for r in rows if r["killed32"] and not r["killed64"]]
    if gained:
        print(f"Killed in float32 only: {len(gained)}")
        for r in gained:
            print(f"  {r['id']}: {r['description']} [{r['killed32']}]")
    for name, failures in controls.items():
        print(f"False failures of {name}: {len(failures)}")
        for formula_id, killer, line in failures:
            print(f"  {formula_id} {killer}: {line}")
    print(f"\nwall time {time.perf_counter() - wall:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"mutants": rows, "controls": controls}, indent=1))
    return 1 if any(controls.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
