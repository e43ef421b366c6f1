"""Grading a course on Gradescope: ``gradoracle gradescope ASSIGNMENT.toml --out
autograder.zip`` builds the autograder zip Gradescope's specification asks for
(https://gradescope-autograders.readthedocs.io/en/latest/specs/), and
``python -m gradoracle.gradescope run`` is what its ``run_autograder`` runs.

The zip holds, at its root:

* ``setup.sh`` -- run once, as root, when Gradescope builds the image: installs
  Python's venv module and bubblewrap with apt (when root and apt-get are there,
  unless ``GRADORACLE_SKIP_APT=1``), makes a virtual environment and installs
  the gradoracle wheel into it with pip (its dependencies come from PyPI);
* ``run_autograder`` -- run for every submission: grades the one submission in
  ``$ROOT/submission/`` (a ``.py`` file, a notebook, or several files with a
  ``submission.py``) against the assignment and writes
  ``$ROOT/results/results.json``;
* ``assignment.toml`` -- the assignment (formulas, points, visibility, names);
* ``gradoracle-<version>-py3-none-any.whl`` -- the grader itself, which is on
  no package index.

Both scripts read their locations from the environment, with Gradescope's
values by default, so the same zip runs in an emulated tree:

=============================  ==============================================
``GRADORACLE_AUTOGRADER_ROOT`` the tree (default ``/autograder``)
``GRADORACLE_VENV``            the virtual environment (default ``$ROOT/venv``)
``GRADORACLE_PYTHON``          the Python that makes it (default ``python3``)
``GRADORACLE_VENV_OPTIONS``    extra ``venv`` options (e.g. ``--system-site-packages``)
``GRADORACLE_PIP_OPTIONS``     extra ``pip install`` options (e.g. ``--no-index``)
``GRADORACLE_SKIP_APT``        ``1``: do not use apt-get
``GRADORACLE_WORKERS``         pytest-xdist workers (default: none on one CPU, else auto)
=============================  ==============================================

A grader-side failure (the grader could not run) leaves no results.json and
makes ``run_autograder`` exit non-zero, so Gradescope reports the autograder as
failed instead of giving the student a grade.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

__all__ = ["BuildError", "build_zip", "build_wheel", "run", "SETUP_SH", "RUN_AUTOGRADER"]

ASSIGNMENT_NAME = "assignment.toml"

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# Built by `gradoracle gradescope`; see gradoracle/gradescope.py for the variables.
set -euo pipefail
ROOT="${GRADORACLE_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="${GRADORACLE_VENV:-$ROOT/venv}"
PYTHON="${GRADORACLE_PYTHON:-python3}"

if [ "${GRADORACLE_SKIP_APT:-0}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    # python3-venv: Ubuntu's Python has no venv module without it.
    # bubblewrap: the jail the sandboxed worker runs in.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap
fi

"$PYTHON" -m venv ${GRADORACLE_VENV_OPTIONS:-} "$VENV"
"$VENV/bin/python" -m pip install --disable-pip-version-check ${GRADORACLE_PIP_OPTIONS:-} "$SOURCE"/gradoracle-*.whl
# Fail now, at build time, if the assignment or the install is broken, not at
# the first student's submission.
"$VENV/bin/python" -m gradoracle.gradescope check --root "$ROOT"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission (as /autograder/run_autograder).
# Built by `gradoracle gradescope`; see gradoracle/gradescope.py for the variables.
set -uo pipefail
ROOT="${GRADORACLE_AUTOGRADER_ROOT:-/autograder}"
VENV="${GRADORACLE_VENV:-$ROOT/venv}"
exec "$VENV/bin/python" -m gradoracle.gradescope run --root "$ROOT"
"""

# What a wheel of the project is built from (pyproject.toml names README.md).
# Every package pyproject.toml installs (its packages.find include), and what the build reads.
_SOURCE_ITEMS = ("pyproject.toml", "README.md", "gradoracle", "reference", "properties", "mistakes")


class BuildError(Exception):
    pass


def _project_root() -> Path:
    root = Path(__file__).resolve().parent.parent
    if not all((root / item).exists() for item in _SOURCE_ITEMS):
        raise BuildError(
            f"the autograder is built from gradoracle's source tree, and {root} is not one "
            "(install gradoracle from a checkout: pip install -e .)"
        )
    return root


def _version(distribution: str) -> tuple[int, ...] | None:
    from importlib import metadata

    try:
        text = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


def _can_build_offline() -> bool:
    """Whether the setuptools installed here can build the wheel by itself: it
    has ``bdist_wheel`` from 70.1 on, or with the ``wheel`` package."""
    setuptools = _version("setuptools")
    if setuptools is None or setuptools < (61,):
        return False
    return setuptools >= (70, 1) or _version("wheel") is not None


def build_wheel(destination: Path) -> Path:
    """A wheel of gradoracle, built from a clean copy of the source tree.

    Built with ``pip wheel --no-deps --no-build-isolation`` when the setuptools
    installed here can build wheels (70.1 or later, or with ``wheel``): nothing
    is downloaded, so it works offline. Otherwise pip's build isolation fetches
    setuptools from the package index (the one download of the build).
    The copy keeps build leftovers (``build/``) out of the checkout."""
    root = _project_root()
    with tempfile.TemporaryDirectory(prefix="gradoracle-wheel-") as scratch:
        source = Path(scratch) / "src"
        source.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".hypothesis")
        for item in _SOURCE_ITEMS:
            path = root / item
            if path.is_dir():
                shutil.copytree(path, source / item, ignore=ignore)
            else:
                shutil.copy2(path, source / item)
        isolation = ["--no-build-isolation"] if _can_build_offline() else []
        wheels = Path(scratch) / "dist"
        completed = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "--disable-pip-version-check", "-q", "-w", str(wheels), str(source)],
            capture_output=True,
            text=True,
        )
        built = sorted(wheels.glob("gradoracle-*.whl"))
        if completed.returncode != 0 or len(built) != 1:
            raise BuildError(f"building gradoracle's wheel failed:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}")
        destination.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(built[0], destination / built[0].name))


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # a fixed date: the same zip every time
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, data)


def build_zip(assignment: Path, out: Path) -> Path:
    """Write Gradescope's autograder zip for ``assignment`` to ``out``."""
    from gradoracle.assignment import AssignmentError, load_assignment

    assignment = Path(assignment)
    try:
        load_assignment(assignment)  # every name checked before anything is built
    except AssignmentError as exc:
        raise BuildError(str(exc)) from None
    except OSError as exc:
        raise BuildError(f"{assignment}: {exc.strerror or exc}") from None
    with tempfile.TemporaryDirectory(prefix="gradoracle-zip-") as scratch:
        wheel = build_wheel(Path(scratch))
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w") as archive:
            _add(archive, "setup.sh", SETUP_SH.encode(), executable=True)
            _add(archive, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
            _add(archive, ASSIGNMENT_NAME, assignment.read_bytes())
            _add(archive, wheel.name, wheel.read_bytes())
    return out


# -- inside the autograder ------------------------------------------------------------


def _workers() -> list[str]:
    chosen = os.environ.get("GRADORACLE_WORKERS")
    if chosen is None:
        chosen = "0" if (os.cpu_count() or 1) <= 1 else "auto"
    return [] if chosen == "0" else ["-n", chosen]


def check(root: Path) -> int:
    """setup.sh's last step: the install imports and the assignment loads."""
    from gradoracle.assignment import AssignmentError, load_assignment

    try:
        assignment = load_assignment(root / "source" / ASSIGNMENT_NAME)
    except (AssignmentError, OSError) as exc:
        print(f"gradoracle: the autograder's assignment is broken: {exc}", file=sys.stderr)
        return 2
    print(f"gradoracle: ready to grade {len(assignment.formula_ids)} formula(s) of {assignment.name}")
    return 0


def run(root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``.

    The submission folder is handed to the grader whole: a single ``.py`` or
    notebook in it is graded, several files need a ``submission.py`` (the
    rule of :func:`gradoracle.loading.choose_in_folder`); a folder that holds
    no submission is the student's zero with the reason in the output."""
    from gradoracle.classroom import pytest_command

    submission = root / "submission"
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)
    began = time.monotonic()
    command = pytest_command(
        str(submission), [], results, _workers(), assignment=root / "source" / ASSIGNMENT_NAME
    )
    # Gradescope's harness runs us in /autograder: run pytest in a scratch
    # folder instead, so nothing it writes lands next to the results.
    with tempfile.TemporaryDirectory(prefix="gradoracle-run-") as scratch:
        code = subprocess.call(command, cwd=scratch, stdin=subprocess.DEVNULL)
    took = time.monotonic() - began
    if code not in (0, 1) or not results.exists():
        results.unlink(missing_ok=True)
        print(
            f"gradoracle: no grade (pytest exit {code}): the grader could not run; "
            "this is the autograder's problem, not the student's.",
            file=sys.stderr,
        )
        return code or 1
    print(f"gradoracle: graded in {took:.1f} s; results: {results}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gradoracle.gradescope")
    parser.add_argument("action", choices=["run", "check"])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("GRADORACLE_AUTOGRADER_ROOT", "/autograder")))
    args = parser.parse_args(argv)
    root = args.root.absolute()
    return run(root) if args.action == "run" else check(root)


if __name__ == "__main__":
    sys.exit(main())
