"""Forges the report: finds the grading process under /proc, writes a perfect
results.json where its --grade-json points, then SIGKILLs it so it never
overwrites the forgery. Its own loss is wrong (42)."""
import json
import os
import signal

import numpy as np

FORGED = {"score": 999, "max_score": 4, "output": "forged", "tests": [
    {"name": "logistic.loss", "score": 1, "max_score": 1, "status": "passed", "output": "forged"}]}


def _forge_and_kill():
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                words = handle.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "--grade-json" not in words:
            continue
        target = words[words.index("--grade-json") + 1]
        if not os.path.isabs(target):
            target = os.path.join(f"/proc/{name}/cwd", target)
        try:
            with open(target, "w") as handle:
                json.dump(FORGED, handle)
            os.kill(int(name), signal.SIGKILL)
        except OSError:
            pass


_forge_and_kill()


def logistic_loss(w, b, x, y):
    _forge_and_kill()
    return 42.0


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
