"""What grading with --array-namespace costs: time per call of the same
formulas through the namespace adapter against plain NumPy.

    python benchmarks/namespace_cost.py [--rounds 5]

For a fixed set of formulas and inputs it times, interleaved round by round
(so a loaded machine slows every variant alike), one call of:

- ``numpy``: ``benchmarks/submissions/independent_numpy.py``, called directly;
- ``torch float64`` / ``torch float32``: ``torch_native.py`` through
  ``gradoracle.namespaces.adapt_function`` (conversion in and out, checks);
- ``jax float64`` / ``jax float32``: ``jax_native.py`` the same way (when jax is installed);
- ``adapter only``: an identity formula through the torch adapter (the
  conversion alone, without the library's own dispatch).

and prints the median per call and the ratio to NumPy. Not part of the test run.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from gradoracle import namespaces  # noqa: E402
from gradoracle.callables import QuadraticGradient  # noqa: E402
from gradoracle.loading import import_submission, lookup_formulas  # noqa: E402

SUBMISSIONS = ROOT / "benchmarks" / "submissions"
RNG = np.random.default_rng(0)
CASES: dict[str, tuple] = {
    "activations.sigmoid": (RNG.normal(size=(4, 5)),),
    "softmax.forward": (RNG.normal(size=(3, 6)),),
    "softmax.ce_grad": (RNG.normal(size=6), np.eye(6)[2]),
    "logistic.grad": (RNG.normal(size=3), 0.5, RNG.normal(size=(8, 3)), (RNG.random(8) > 0.5) * 1.0),
    "matcalc.logdet_grad": (np.eye(3) * 2 + RNG.normal(size=(3, 3)) * 0.1,),
    "optimizers.adam": (QuadraticGradient(A=np.eye(3), b=np.ones(3)), np.zeros(3), 10, 0.1, 0.9, 0.999, 1e-8, True),
}


def _time(fn: Callable[..., Any], args: tuple, repeat: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn(*args)
    return (time.perf_counter() - start) / repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/namespace_cost.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    ids = list(CASES)
    variants: dict[str, dict[str, Callable[..., Any]]] = {
        "numpy": lookup_formulas(import_submission(str(SUBMISSIONS / "independent_numpy.py")), ids)
    }
    if importlib.util.find_spec("torch") is not None:
        torch_functions = lookup_formulas(import_submission(str(SUBMISSIONS / "torch_native.py")), ids)
        for dtype in ("float64", "float32"):
            variants[f"torch {dtype}"] = {
                f: namespaces.adapt_function(fn, f, array_namespace="torch", dtype=dtype) for f, fn in torch_functions.items()
            }
        identity = namespaces.adapt_function(lambda *a: a[0], "activations.sigmoid", array_namespace="torch", dtype="float64")
        variants["adapter only (torch)"] = {"activations.sigmoid": identity}
    if importlib.util.find_spec("jax") is not None:
        jax_functions = lookup_formulas(import_submission(str(SUBMISSIONS / "jax_native.py")), ids)
        for dtype in ("float32", "float64"):  # float64 last: it turns on jax_enable_x64 for the process
            variants[f"jax {dtype}"] = {
                f: namespaces.adapt_function(fn, f, array_namespace="jax.numpy", dtype=dtype) for f, fn in jax_functions.items()
            }
    times: dict[str, dict[str, list[float]]] = {v: {f: [] for f in ids} for v in variants}
    for variant, functions in variants.items():  # warm-up (JIT compilation, first dispatch)
        for f, fn in functions.items():
            fn(*CASES[f])
    for _ in range(args.rounds):
        for variant, functions in variants.items():
            for f, fn in functions.items():
                times[variant][f].append(_time(fn, CASES[f]))
    print("| formula | " + " | ".join(variants) + " |")
    print("|---|" + "---:|" * len(variants))
    for f in ids:
        base = statistics.median(times["numpy"][f])
        cells = []
        for variant in variants:
            if times[variant].get(f):
                median = statistics.median(times[variant][f])
                cells.append(f"{median * 1e6:.0f} µs" + ("" if variant == "numpy" else f" ({median / base:.1f}×)"))
            else:
                cells.append("–")
        print(f"| {f} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
