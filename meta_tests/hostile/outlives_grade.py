"""Outlives the grade: at import a double-forked, setsid daemon (its
intermediate parent stays alive, so no reaper adopts it) waits for the grader
to finish, then leaves a file OUTLIVED in the working folder of every process
it can see that was started with --grade-json. Its command line carries the marker the meta-test looks for."""
import os
import sys

import numpy as np

MARKER = "gradoracle-hostile-outlives-grade"

DAEMON = f"""
import json, os, time  # {MARKER}
time.sleep(3)
# After the grade: the grader's report (harmless elsewhere: only a grader
# started with --grade-json is touched, i.e. the meta-test's own).
for name in os.listdir("/proc"):
    try:
        words = open(f"/proc/{{name}}/cmdline", "rb").read().decode(errors="replace").split("\\0")
        if "--grade-json" not in words:
            continue
        open(f"/proc/{{name}}/cwd/OUTLIVED", "w").write("a daemon outlived the grade")
    except (OSError, ValueError):
        continue
time.sleep(120)
"""

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", DAEMON])
    # The intermediate parent stays alive too, so the daemon is never orphaned.
    os.execv(sys.executable, [sys.executable, "-c", f"import time  # {MARKER}\ntime.sleep(120)"])


def logistic_loss(w, b, x, y):
    return 42.0


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
