"""A Jupyter notebook (``.ipynb``) as a submission.

The notebook is read with :mod:`nbformat`; only its code cells count. What is
kept, by default, is what defines the student's formulas and nothing that would
plot, train, download data or otherwise take time or fail outside the
student's own machine:

* IPython lines are dropped: a line magic (``%timeit f(x)``), a shell line
  (``!pip install ...``, ``files = !ls``), a help line (``f?``), and a whole cell
  that starts with a cell magic (``%%time``). They are looked for only in a
  cell that is not valid Python as it stands, so a docstring line that happens
  to start with ``%`` is never touched. A dropped line becomes ``pass`` at the
  same indentation, so line numbers stay the cell's own.
* Of each cell's top-level statements, these are kept:
  imports; ``def``, ``async def`` and ``class`` statements (with their
  decorators and default values, which a definition evaluates); and
  **constants**: a module-level assignment whose right-hand side calls nothing
  and names only what kept statements (or Python's builtins) already bound --
  ``EPS = 1e-8``, ``LOG2 = np.log(2)`` is *not* one (it calls), ``FORMULAS =
  {"softmax.forward": softmax}`` is. A ``try`` (``try: import torch / except
  ImportError: ...``) is kept when everything in it would be kept.
  Everything else (expressions, loops, ``if __name__ == "__main__":`` blocks,
  assignments that call something) is skipped and listed in the report.
* A cell tagged ``gradoracle:keep`` (Jupyter's cell tags) is kept whole, one
  tagged ``gradoracle:skip`` is skipped whole: the student's way to override
  the rule for one cell.

A cell that does not parse fails the submission, naming the cell and the
error, as a ``.py`` file with a syntax error does. A notebook that is not
JSON, has no code cells, or defines nothing is refused with that reason.

Cells are numbered as a reader counts them: the notebook's first cell
(markdown or code) is cell 1.

This module runs in the sandboxed worker (:mod:`gradoracle.loading`), so it
imports nothing of the grader's own packages.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import re
import types
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NotebookError", "NotebookProgram", "KEEP_TAG", "SKIP_TAG", "read_notebook", "load_notebook"]

KEEP_TAG = "gradoracle:keep"
SKIP_TAG = "gradoracle:skip"

# A line IPython would treat as a magic, a shell escape or a help request.
_IPYTHON_LINE = re.compile(
    r"""^(?P<indent>[ \t]*)(
        [%!]                              # %magic, !shell
      | [A-Za-z_][\w.]*\s*=\s*[%!]        # files = !ls, t = %timeit -o f()
      | [?]                               # ?obj
      | [A-Za-z_][\w.]*\?{1,2}\s*$        # obj?  obj??
    )""",
    re.VERBOSE,
)


class NotebookError(Exception):
    """The notebook cannot be graded; the message says why, naming the cell."""


@dataclass
class KeptCell:
    number: int
    tree: ast.Module
    source: str


@dataclass
class NotebookProgram:
    """What will run of a notebook, and what was skipped and why."""

    name: str
    cells: list[KeptCell] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    code_cells: int = 0
    defined: list[str] = field(default_factory=list)

    def cell_filename(self, number: int) -> str:
        # Tracebacks show this name: the notebook's own name and the cell, never a path.
        return f"{self.name}, cell {number}"

    def skipped_text(self, limit: int = 40) -> str:
        """The report's note: what of the notebook was not run."""
        if not self.skipped:
            return ""
        lines = self.skipped[:limit]
        more = len(self.skipped) - len(lines)
        listing = "\n".join(f"  {line}" for line in lines) + (f"\n  ... and {more} more" if more > 0 else "")
        return (
            f"Notebook {self.name}: only imports and definitions were run; skipped "
            f"(tag a cell '{KEEP_TAG}' to run it whole):\n{listing}"
        )


def _first_line(source: str, width: int = 60) -> str:
    line = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 3] + "..."


def _strip_ipython(source: str) -> tuple[str, list[int]]:
    """The cell with IPython lines replaced by ``pass``; the dropped line numbers."""
    dropped = []
    out = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = _IPYTHON_LINE.match(line)
        if match:
            dropped.append(number)
            out.append(match.group("indent") + "pass")
        else:
            out.append(line)
    return "\n".join(out) + "\n", dropped


def _calls_something(node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) for n in ast.walk(node))


def _names_read(node: ast.AST) -> set[str]:
    """Names an expression reads when evaluated (a lambda's body is not evaluated)."""
    names: set[str] = set()

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Lambda):
            for default in n.args.defaults + [d for d in n.args.kw_defaults if d is not None]:
                visit(default)
            return
        if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # A comprehension binds its own names; reading only its first iterable
            # at definition time is too fine a distinction: treat it as a computation.
            names.add("<comprehension>")
            return
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            names.add(n.id)
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    return names


def _bound_by(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    names: set[str] = set()
    for target in targets:
        names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    if isinstance(node, ast.Try):
        for child in node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]:
            names |= _bound_by(child)
    return names


_BUILTINS = set(dir(builtins)) | {"__name__", "__file__", "__doc__"}


def _why_skipped(node: ast.stmt, bound: set[str]) -> str | None:
    """None when the statement is kept; otherwise why it is not."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Pass)):
        return None
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        value = node.value
        if value is None:  # ``x: int`` binds nothing
            return None
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(n, (ast.Attribute, ast.Subscript)) for t in targets for n in ast.walk(t)):
            return "assigns to an attribute or item"
        if _calls_something(value):
            return "calls a function"
        unknown = sorted(_names_read(value) - bound - _BUILTINS)
        if "<comprehension>" in unknown:
            return "computes a comprehension"
        if unknown:
            return f"uses {', '.join(unknown)}, which is not defined by a kept statement"
        return None
    if isinstance(node, ast.Try):
        inner = node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
        handler_types = [h.type for h in node.handlers if h.type is not None]
        if any(_calls_something(t) for t in handler_types):
            return "a try statement that calls a function"
        local = set(bound)
        for child in inner:
            if _why_skipped(child, local) is not None:
                return "a try statement that does more than import and define"
            local |= _bound_by(child)
        return None
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return ""  # a docstring or bare string: skipped without a note
    return {
        ast.Expr: "an expression",
        ast.If: "an if statement",
        ast.For: "a loop",
        ast.While: "a loop",
        ast.With: "a with statement",
        ast.Delete: "a del statement",
        ast.AugAssign: "changes a variable",
    }.get(type(node), f"a {type(node).__name__.lower()} statement")


def _read_cells(path: Path) -> list[tuple[int, str, list[str]]]:
    """(cell number, source, tags) of every code cell, read with nbformat."""
    import nbformat  # here, not at import: only notebook submissions need it
    from nbformat.reader import NotJSONError

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"the notebook {path.name} cannot be read: {exc.strerror or exc}") from None
    try:
        notebook = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise NotebookError(f"{path.name} is not a notebook: it is not UTF-8 text") from None
    except NotJSONError:
        raise NotebookError(f"{path.name} is not a notebook: it is not JSON") from None
    except Exception as exc:  # nbformat's own errors for JSON that is not a notebook
        raise NotebookError(f"{path.name} is not a readable notebook: {type(exc).__name__}: {_short(str(exc))}") from None
    cells = getattr(notebook, "cells", None)
    if not isinstance(cells, list):
        raise NotebookError(f"{path.name} is not a readable notebook: it has no list of cells")
    out = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):  # nbformat joins these; a hand-edited file may not have been
            source = "".join(str(s) for s in source)
        metadata = cell.get("metadata") or {}
        tags = metadata.get("tags") if isinstance(metadata, dict) else None
        out.append((number, str(source), [str(t) for t in tags] if isinstance(tags, list) else []))
    return out


def _short(text: str, width: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _parse_cell(program: NotebookProgram, number: int, source: str) -> tuple[str, ast.Module]:
    """The cell's text as it will run (IPython lines dropped if it needed that) and its tree."""
    filename = program.cell_filename(number)
    try:
        try:
            return source, ast.parse(source, filename=filename)
        except SyntaxError:
            text, dropped = _strip_ipython(source)
            if not dropped:
                raise
            tree = ast.parse(text, filename=filename)
            for line in dropped:
                program.skipped.append(f"cell {number}, line {line}: IPython ({_first_line(source.splitlines()[line - 1])})")
            return text, tree
    except SyntaxError as exc:
        raise NotebookError(
            f"cell {number} of {program.name} does not parse: SyntaxError: {exc.msg} (line {exc.lineno})"
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise NotebookError(
            f"cell {number} of {program.name} does not parse: {type(exc).__name__}: {_short(str(exc))}"
        ) from None


def read_notebook(path: str | Path) -> NotebookProgram:
    """Read a notebook and decide what of it runs. Raises :class:`NotebookError`."""
    path = Path(path)
    program = NotebookProgram(path.name)
    cells = _read_cells(path)
    program.code_cells = len(cells)
    if not cells:
        raise NotebookError(f"the notebook {path.name} has no code cells")
    bound: set[str] = set()
    for number, source, tags in cells:
        if not source.strip():
            continue
        if SKIP_TAG in tags:
            program.skipped.append(f"cell {number}: tagged {SKIP_TAG} ({_first_line(source)})")
            continue
        if source.lstrip().startswith("%%"):
            program.skipped.append(f"cell {number}: a cell magic ({_first_line(source)})")
            continue
        text, tree = _parse_cell(program, number, source)
        if KEEP_TAG in tags:
            kept = list(tree.body)
        else:
            kept = []
            for node in tree.body:
                reason = _why_skipped(node, bound)
                if reason is None:
                    kept.append(node)
                    bound |= _bound_by(node)
                elif reason:
                    snippet = _first_line(ast.get_source_segment(text, node) or "")
                    program.skipped.append(f"cell {number}, line {node.lineno}: {reason} ({snippet})")
        for node in kept:
            bound |= _bound_by(node)
            if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Pass, ast.Try)):
                program.defined.extend(sorted(_bound_by(node) - set(program.defined)))
        if kept:
            program.cells.append(KeptCell(number, ast.Module(body=kept, type_ignores=[]), text))
    if not program.defined:
        raise NotebookError(
            f"the notebook {path.name} defines no function, class or constant "
            f"({program.code_cells} code cells read; only imports and definitions are run)"
        )
    return program


def load_notebook(path: str | Path, module: types.ModuleType) -> NotebookProgram:
    """Run the kept part of the notebook at ``path`` in ``module``'s namespace,
    cell by cell, in order, with tracebacks naming the notebook and cell.
    Raises :class:`NotebookError`; whatever the kept code raises propagates."""
    program = read_notebook(path)
    for cell in program.cells:
        filename = program.cell_filename(cell.number)
        # Tracebacks read source through linecache; an entry without an mtime
        # is never evicted by linecache.checkcache.
        linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)
        code = compile(cell.tree, filename, "exec")
        exec(code, module.__dict__)  # noqa: S102 - the sandboxed worker runs the submission
    return program
