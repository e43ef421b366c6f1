"""Assignment files: which formulas a course grades, for how many points, with
which Gradescope visibility, and under which names and argument order the
students wrote them.

An assignment is a TOML file::

    [assignment]
    name = "HW2"
    partial_credit = false

    [formulas."logistic.grad"]
    points = 2
    visibility = "visible"
    function = "lr_gradient"
    args = ["x", "y", "w", "b"]

Everything in it is checked before anything is graded: a typo must be the
instructor's clear error, never every student's silent zero. Each problem is
reported as ``FILE:LINE: what is wrong`` (with the closest valid name where
there is one), all problems at once.
"""

from __future__ import annotations

import difflib
import inspect
import keyword
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "VISIBILITIES",
    "Assignment",
    "AssignmentError",
    "FormulaEntry",
    "catalogue_parameters",
    "load_assignment",
]

# Gradescope's values for a test's (and results.json's) "visibility".
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

_ASSIGNMENT_KEYS = ("name", "partial_credit")
_FORMULA_KEYS = ("points", "visibility", "function", "args")
_TOP_KEYS = ("assignment", "formulas")


class AssignmentError(Exception):
    """An assignment file that cannot be used; ``problems`` are its
    ``FILE:LINE: message`` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class FormulaEntry:
    """One formula of an assignment."""

    formula_id: str
    points: float = 1.0
    visibility: str = "visible"
    function: str | None = None  # the student's function name, if not the catalogue's
    args: tuple[str, ...] | None = None  # the student's parameter order, by catalogue names
    # order[k] = the catalogue index of the student's k-th parameter (None: the catalogue's order).
    order: tuple[int, ...] | None = None

    @property
    def binding(self) -> dict[str, Any] | None:
        """This formula's entry of the worker's ``bindings`` (see
        :func:`gradoracle.loading.lookup_formulas`), or None when the catalogue's
        lookup rule applies unchanged."""
        if self.function is None and self.order is None:
            return None
        return {"function": self.function, "order": list(self.order) if self.order is not None else None}

    def expected_function(self) -> str:
        """The name the grader looks for, in words, for a 'missing' message."""
        if self.function:
            return f"a function {self.function} (the assignment's name for {self.formula_id})"
        return f"FORMULAS[{self.formula_id!r}] or a function {self.formula_id.replace('.', '_')}"


@dataclass(frozen=True)
class Assignment:
    """A validated assignment file."""

    name: str
    partial_credit: bool
    formulas: dict[str, FormulaEntry] = field(default_factory=dict)
    source: Path | None = None

    @property
    def formula_ids(self) -> list[str]:
        return sorted(self.formulas)

    def entry(self, formula_id: str) -> FormulaEntry:
        """The formula's entry; a formula an assignment does not list gets
        today's defaults (1 point, visible, the catalogue's names)."""
        return self.formulas.get(formula_id) or FormulaEntry(formula_id)

    def bindings(self) -> dict[str, dict[str, Any]]:
        """The worker's ``bindings``: only formulas with their own name or order."""
        return {fid: b for fid, e in sorted(self.formulas.items()) if (b := e.binding) is not None}


def catalogue_parameters(formula_id: str) -> list[str]:
    """The catalogue's parameter names of a formula, in the catalogue's order
    (read from the reference's signature, which implements the catalogue's)."""
    from reference import registry

    signature = inspect.signature(registry.get(formula_id).reference)
    return list(signature.parameters)


# -- finding lines in the text (tomllib keeps no positions) -----------------------

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)')
_ASSIGNMENT_LINE = re.compile(r"^\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]")


def _dotted(key_text: str) -> list[str]:
    parts = []
    for match in _KEY_TOKEN.finditer(key_text):
        parts.append(next(g for g in match.groups() if g is not None))
    return parts


class _Lines:
    """Where tables and keys are written in the file's text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, list[str]]] = []  # (1-based line, dotted table name)
        for number, line in enumerate(self.lines, start=1):
            match = _HEADER.match(line)
            if match:
                self.headers.append((number, _dotted(match.group(1))))

    def table(self, *names: str) -> int | None:
        for number, dotted in self.headers:
            if dotted == list(names):
                return number
        return None

    def table_under(self, *names: str) -> int | None:
        """The first table header inside ``names`` (``[a.b]`` for ``a``)."""
        for number, dotted in self.headers:
            if dotted[: len(names)] == list(names):
                return number
        return None

    def _section(self, *names: str) -> range:
        if not names:  # the keys above the first table header
            return range(1, self.headers[0][0] if self.headers else len(self.lines) + 1)
        start = self.table(*names)
        if start is None:
            return range(0)
        later = [n for n, _ in self.headers if n > start]
        return range(start + 1, (later[0] if later else len(self.lines) + 1))

    def key(self, table: tuple[str, ...], key: str) -> int | None:
        """The line of ``key = ...`` inside ``[table]`` (or of a dotted
        ``key.sub = ...`` / inline table there)."""
        for number in self._section(*table):
            match = _ASSIGNMENT_LINE.match(self.lines[number - 1])
            if match and _dotted(match.group(1))[:1] == [key]:
                return number
        return None

    def formula(self, formula_id: str) -> int | None:
        """The line that declares a formula: its own table, or a key of ``[formulas]``."""
        return self.table("formulas", formula_id) or self.key(("formulas",), formula_id)

    def formula_key(self, formula_id: str, key: str) -> int | None:
        found = self.key(("formulas", formula_id), key)
        return found or self.formula(formula_id)


# -- validation -------------------------------------------------------------------------


def _closest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Checker:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.where = _Lines(text)
        self.problems: list[str] = []

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(f"{self.path}:{line or 1}: {message}")

    def unknown_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], line_of: Any, what: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    line_of(key),
                    f"unknown key {key!r} in {what}{_closest(key, allowed)}; "
                    f"allowed: {', '.join(allowed)}",
                )


def load_assignment(path: str | Path) -> Assignment:
    """Read and check an assignment file. Raises :class:`AssignmentError`
    naming the file and line of every problem."""
    from reference import registry

    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise AssignmentError([f"{source}: cannot read the assignment file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AssignmentError([f"{source}:1: not UTF-8 text ({exc.reason})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = re.search(r"\(at line (\d+), column \d+\)", message)
        line = at.group(1) if at else "1"
        raise AssignmentError([f"{source}:{line}: not valid TOML: {message}"]) from None

    check = _Checker(source, text)
    where = check.where
    check.unknown_keys(data, _TOP_KEYS, lambda k: where.table_under(k) or where.key((), k), "the file")

    # [assignment]
    head = data.get("assignment", {})
    name = source.stem
    partial_credit = False
    if not isinstance(head, dict):
        check.problem(where.table("assignment"), "[assignment] must be a table")
    else:
        check.unknown_keys(head, _ASSIGNMENT_KEYS, lambda k: where.key(("assignment",), k), "[assignment]")
        if "name" in head:
            if isinstance(head["name"], str) and head["name"].strip():
                name = head["name"].strip()
            else:
                check.problem(where.key(("assignment",), "name"), "name must be a non-empty string")
        if "partial_credit" in head:
            if isinstance(head["partial_credit"], bool):
                partial_credit = head["partial_credit"]
            else:
                check.problem(
                    where.key(("assignment",), "partial_credit"),
                    f"partial_credit must be true or false, not {head['partial_credit']!r}",
                )

    # [formulas."family.name"]
    formulas = data.get("formulas")
    entries: dict[str, FormulaEntry] = {}
    known = registry.ids()
    if formulas is None or (isinstance(formulas, dict) and not formulas):
        if not check.problems:  # else a typo (say [formula."x"]) is the reason, already reported
            check.problem(
                where.table("formulas"), 'the assignment lists no formulas: add [formulas."family.name"] tables'
            )
    elif not isinstance(formulas, dict):
        check.problem(where.key((), "formulas"), "formulas must be a table of formula tables")
    else:
        families = sorted({i.split(".", 1)[0] for i in known})
        for formula_id, spec in formulas.items():
            line = where.formula(formula_id)
            if formula_id not in known:
                if formula_id in families and isinstance(spec, dict):
                    first = next(iter(spec), "name")
                    check.problem(
                        where.table("formulas", formula_id, first) or line,
                        f"a formula ID has a dot, so quote it: "
                        f'[formulas."{formula_id}.{first}"], not [formulas.{formula_id}.{first}]',
                    )
                else:
                    check.problem(
                        line,
                        f"unknown formula ID {formula_id!r}{_closest(formula_id, known)}; "
                        "see `python -m reference --list`",
                    )
                continue
            if not isinstance(spec, dict):
                check.problem(line, f'[formulas."{formula_id}"] must be a table with at least `points`')
                continue
            entry = _check_formula(check, formula_id, spec)
            if entry is not None:
                entries[formula_id] = entry

    if check.problems:
        raise AssignmentError(check.problems)
    return Assignment(name=name, partial_credit=partial_credit, formulas=entries, source=source)


def _check_formula(check: _Checker, formula_id: str, spec: Mapping[str, Any]) -> FormulaEntry | None:
    where = check.where
    before = len(check.problems)
    table = f'[formulas."{formula_id}"]'

    def line(key: str) -> int | None:
        return where.formula_key(formula_id, key)

    check.unknown_keys(spec, _FORMULA_KEYS, line, table)

    points: float = 0.0
    if "points" not in spec:
        check.problem(where.formula(formula_id), f"{table} has no `points` (how many points the formula is worth)")
    elif not _is_number(spec["points"]) or not math.isfinite(spec["points"]) or spec["points"] < 0:
        check.problem(line("points"), f"points must be a number >= 0, not {spec['points']!r}")
    else:
        points = float(spec["points"])

    visibility = spec.get("visibility", "visible")
    if not isinstance(visibility, str) or visibility not in VISIBILITIES:
        hint = _closest(visibility, VISIBILITIES) if isinstance(visibility, str) else ""
        check.problem(
            line("visibility"),
            f"unknown visibility {visibility!r}{hint}; Gradescope's values are {', '.join(VISIBILITIES)}",
        )

    function = spec.get("function")
    if function is not None and not (
        isinstance(function, str) and function.isidentifier() and not keyword.iskeyword(function)
    ):
        check.problem(line("function"), f"function must be a Python function name, not {function!r}")

    args = spec.get("args")
    order: tuple[int, ...] | None = None
    if args is not None:
        expected = catalogue_parameters(formula_id)
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            check.problem(line("args"), f"args must be a list of parameter names, a permutation of {expected}")
        else:
            wrong = [
                f"{a!r} is not a parameter of {formula_id}{_closest(a, expected)}" for a in args if a not in expected
            ]
            repeated = sorted({a for a in args if args.count(a) > 1})
            absent = [e for e in expected if e not in args]
            if wrong or repeated or absent:
                details = wrong + [f"{a!r} is listed twice" for a in repeated]
                if absent:
                    details.append(f"missing {', '.join(map(repr, absent))}")
                check.problem(
                    line("args"),
                    f"args must list each of {formula_id}'s parameters {expected} exactly once, "
                    f"in the student's order: {'; '.join(details)}",
                )
            elif args != expected:
                order = tuple(expected.index(a) for a in args)

    if len(check.problems) > before:
        return None
    return FormulaEntry(
        formula_id=formula_id,
        points=points,
        visibility=visibility,
        function=function,
        args=tuple(args) if args is not None else None,
        order=order,
    )
