"""Did anything rewrite the grader while a submission was being graded?

A sandboxed submission cannot reach the grading process's memory, but a
worker running as the same user can write files. Everything the grade depends
on is already imported before the worker starts, so the grade being computed
is safe; the next one would not be. :func:`fingerprint` summarizes the
grader's code (contents, for this project; size and mtime, for its
dependencies) so a change between the start and the end of a run is caught,
reported, and fails the run.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

__all__ = ["fingerprint", "changed_files"]

OWN_PACKAGES = ("gradoracle", "reference", "properties", "mistakes")
DEPENDENCIES = ("numpy", "scipy", "hypothesis", "_pytest", "pytest", "xdist", "pluggy")
_SUFFIXES = {".py", ".so", ".pyd"}


def _package_root(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin).parent if spec.origin else None


def fingerprint() -> dict[str, str]:
    """A map from file path to a digest (own code) or size/mtime (dependencies)."""
    prints: dict[str, str] = {}
    for name in OWN_PACKAGES + DEPENDENCIES:
        root = _package_root(name)
        if root is None or not root.exists():
            continue
        own = name in OWN_PACKAGES
        for path in root.rglob("*"):
            if path.suffix not in _SUFFIXES or "__pycache__" in path.parts:
                continue
            try:
                if own:
                    prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    stat = path.stat()
                    prints[str(path)] = f"{stat.st_size}:{stat.st_mtime_ns}"
            except OSError:
                prints[str(path)] = "unreadable"
    return prints


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changed = [p for p in before if after.get(p) != before[p]]
    added = [p for p in after if p not in before]
    return sorted(changed + added)
