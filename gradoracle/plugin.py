"""The pytest plugin (``pytest11`` entry point ``gradoracle``).

Adds ``--impl``, ``--formula`` and ``--grade-json``; loads the Hypothesis
profile; provides the ``impl`` and ``subject`` fixtures the properties use;
rewrites each failed property's report into text a student can act on; and
collects per-formula verdicts (across xdist workers) into the grade report.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import time
from typing import TYPE_CHECKING, Any

import pytest

from gradoracle import profiles, report

if TYPE_CHECKING:
    from gradoracle.assignment import Assignment
    from gradoracle.submission import Implementation

# Everything heavier (numpy, Hypothesis, the registry) is imported when a run
# grades or collects the suite's properties, never merely because the plugin
# is installed: importing numpy alone adds warnings filters to every run.

REPORT_KEY = "gradoracle"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradoracle", "grading an implementation of the catalogue")
    group.addoption(
        "--impl",
        dest="gradoracle_impl",
        metavar="PATH_OR_MODULE",
        default=None,
        help="the implementation to grade: a .py file, a package folder or an importable module; "
        "without it the suite checks the reference implementations",
    )
    group.addoption(
        "--formula",
        dest="gradoracle_formulas",
        metavar="GLOB",
        action="append",
        default=[],
        help="grade only formula IDs matching this shell-style glob (repeatable), e.g. 'batchnorm.*'",
    )
    group.addoption(
        "--no-sandbox",
        dest="gradoracle_no_sandbox",
        action="store_true",
        default=False,
        help="call the implementation in this process instead of a sandboxed worker "
        "(faster; only for code you trust)",
    )
    group.addoption(
        "--call-timeout",
        dest="gradoracle_call_timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="wall-time limit of one call into a sandboxed submission (default 20)",
    )
    group.addoption(
        "--formula-budget",
        dest="gradoracle_formula_budget",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time a sandboxed submission may spend on all of one formula's properties; "
        "past it the formula fails as too slow (default 60)",
    )
    group.addoption(
        "--submission-budget",
        dest="gradoracle_submission_budget",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="time a sandboxed submission may spend in all, per grading process "
        "(each xdist worker has its own); past it every formula left fails as too slow (default 900)",
    )
    group.addoption(
        "--require-jail",
        dest="gradoracle_require_jail",
        action="store_true",
        default=False,
        help="refuse to grade unless the worker can run in the bubblewrap jail (see `gradoracle doctor`)",
    )
    group.addoption(
        "--no-jail",
        dest="gradoracle_no_jail",
        action="store_true",
        default=False,
        help="run the sandboxed worker without the bubblewrap jail (the grade says so)",
    )
    group.addoption(
        "--assignment",
        dest="gradoracle_assignment",
        metavar="FILE",
        default=None,
        help="an assignment file (TOML): grade only its formulas, with its points, Gradescope "
        "visibility, partial credit and the students' own function names and argument order",
    )
    group.addoption(
        "--array-namespace",
        dest="gradoracle_array_namespace",
        metavar="NAME",
        default=None,
        help="hand the implementation this library's arrays: numpy (default), torch, jax.numpy, "
        "or any array-API namespace array-api-compat knows",
    )
    group.addoption(
        "--dtype",
        dest="gradoracle_dtype",
        metavar="float32|float64",
        default="float64",
        help="floating dtype of every input (default float64); float32 tolerances are derived "
        "per call from float32's unit roundoff and the inputs' conditioning",
    )
    group.addoption(
        "--grade-json",
        dest="gradoracle_grade_json",
        metavar="PATH",
        default=None,
        help="write a Gradescope-compatible results.json to PATH",
    )


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin loads --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    # A guest in every pytest run of this environment: register our marker and
    # nothing else global (no Hypothesis profile loaded, no warnings filter).
    config.addinivalue_line("markers", "formula(id, claim): the catalogue formula a property checks")
    # The profile our properties run with, as explicit settings on each of them
    # (properties.pytest_helpers.prop). Chosen here, before any property module
    # is imported (the sandbox imports them below, pytest's collection later).
    named = config.getoption("hypothesis_profile", default=None)
    profiles.register_if_named(named)
    default = "grading" if config.getoption("gradoracle_impl") else "ci"
    profiles.select(
        named if named in profiles.PROFILES else default,
        seeded=config.getoption("hypothesis_seed", default=None) is not None,
    )
    _activate_namespace(config)
    assignment_file = config.getoption("gradoracle_assignment", default=None)
    assignment = None
    if assignment_file:
        from gradoracle.assignment import AssignmentError, load_assignment

        try:
            # Checked before anything runs: an instructor's typo is a usage error, never a grade.
            assignment = load_assignment(assignment_file)
        except AssignmentError as exc:
            raise pytest.UsageError(f"the assignment file is not usable:\n{exc}") from None
    state = GradingState(config, assignment)
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(state, "gradoracle-state")


STATE_KEY = pytest.StashKey["GradingState"]()

# pytest's exit statuses after which nothing it ran is a grade.
_NO_GRADE_EXIT = {
    pytest.ExitCode.INTERRUPTED,
    pytest.ExitCode.INTERNAL_ERROR,
    pytest.ExitCode.USAGE_ERROR,
    pytest.ExitCode.NO_TESTS_COLLECTED,
}


def _with_setting(text: str) -> str:
    """A failure graded in another dtype or namespace than numpy float64 says which."""
    from gradoracle import namespaces

    setting = namespaces.current()
    if setting.is_default or f"graded in {setting.describe()}" in text:
        return text
    return f"{text.rstrip()}\n(graded in {setting.describe()})"


def _activate_namespace(config: pytest.Config) -> None:
    """The run's array namespace and dtype (gradoracle.namespaces): a bad one is a
    usage error of the grader, said in one sentence, before anything is graded."""
    array_namespace = config.getoption("gradoracle_array_namespace")
    dtype = config.getoption("gradoracle_dtype")
    if array_namespace in (None, "numpy") and dtype in (None, "float64"):
        return  # the default: nothing to import (numpy adds warnings filters to every run)
    from gradoracle import namespaces

    try:
        namespaces.activate(array_namespace, dtype)
    except namespaces.NamespaceError as exc:
        raise pytest.UsageError(f"--array-namespace/--dtype: {exc}") from None


def _state(config: pytest.Config) -> "GradingState":
    return config.stash[STATE_KEY]


class GradingState:
    """Everything the plugin knows about the current run."""

    def __init__(self, config: pytest.Config, assignment: Assignment | None = None) -> None:
        self.config = config
        self.assignment = assignment
        self.started = time.monotonic()
        # Reasons this run cannot give a grade (a collection error, a fixture
        # error): the grader's problem, so no results.json is written.
        self.grader_errors: list[str] = []
        self.impl_spec: str | None = config.getoption("gradoracle_impl")
        self.globs: list[str] = config.getoption("gradoracle_formulas")
        self.grade_json: str | None = config.getoption("gradoracle_grade_json")
        self.is_worker = hasattr(config, "workerinput")
        self.array_namespace: str | None = config.getoption("gradoracle_array_namespace")
        self.dtype: str = config.getoption("gradoracle_dtype")
        self._implementation: Implementation | None = None
        self.import_error: str | None = None
        self.selected_formulas: list[str] = []
        self.verdicts = report.Verdicts()
        self.sandboxed = self.impl_spec is not None and not config.getoption("gradoracle_no_sandbox")
        self.tampering: list[str] = []
        self._fingerprint: dict[str, str] | None = None
        self.running_formula: str | None = None
        self.jail_note: str | None = None  # "graded without the jail: <reason>"
        if config.getoption("gradoracle_require_jail") and self.impl_spec is not None and not self.sandboxed:
            raise pytest.UsageError("--require-jail and --no-sandbox contradict each other (--no-sandbox runs the submission in this process)")
        if self.sandboxed:
            _safe_import_path()
            self.jail_mode = _jail_mode(config)
            if not self.is_worker:
                self.jail_note = _jail_note(self.jail_mode)
        if self.grade_json and not self.is_worker:
            # A killed or interrupted grade must not leave an earlier, complete-looking
            # results.json behind: remove it now; the new one appears only when complete.
            try:
                report.check_results_path(self.grade_json)
            except report.ResultsPathRefused as exc:
                raise pytest.UsageError(f"--grade-json: {exc}") from None
            if os.path.isfile(self.grade_json):
                os.unlink(self.grade_json)
        if self.impl_spec is not None:
            # The known mistakes diagnosis uses, imported before any property or
            # submission runs (so also before the fingerprint below).
            from gradoracle import diagnosis

            diagnosis.known_mistakes("")
        if self.sandboxed and not self.is_worker:
            from gradoracle import integrity
            from reference import registry

            # Everything the grade depends on is imported before any submission runs,
            # so later writes to these files cannot change this grade; the
            # fingerprint tells whether anything tried.
            registry.load_properties()
            self._fingerprint = integrity.fingerprint()

    # -- the implementation under test ------------------------------------
    def implementation(self) -> Implementation | None:
        from gradoracle import seam
        from gradoracle.submission import SubmissionImportError, load_implementation

        if self._implementation is None and self.import_error is None:
            try:
                if self.sandboxed:
                    from gradoracle.sandbox import SandboxedImplementation, SandboxLimits

                    limits = SandboxLimits(
                        call_seconds=self.config.getoption("gradoracle_call_timeout"),
                        formula_seconds=self.config.getoption("gradoracle_formula_budget"),
                        submission_seconds=self.config.getoption("gradoracle_submission_budget"),
                        jail=self.jail_mode,
                    )
                    self._implementation = SandboxedImplementation(
                        self.impl_spec,  # type: ignore[arg-type]
                        limits,
                        bindings=self.bindings(),
                        array_namespace=self.array_namespace,
                        dtype=self.dtype,
                    )
                    self._implementation.running(self.running_formula)
                else:
                    self._implementation = load_implementation(
                        self.impl_spec, bindings=self.bindings(), array_namespace=self.array_namespace, dtype=self.dtype
                    )
                if self.dtype != "float64":
                    from properties.dtype_tolerance import measured

                    self._implementation = measured(self._implementation)
            except SubmissionImportError as exc:
                self.import_error = str(exc)
            except seam.SubmissionFault as exc:  # it died or hung while being imported: its failure
                self.import_error = f"the submission {self.impl_spec!r} could not be imported: it {exc}"
        return self._implementation

    def close_implementation(self) -> None:
        close = getattr(self._implementation, "close", None)
        if callable(close):
            close()

    def bindings(self) -> dict[str, dict[str, Any]] | None:
        return self.assignment.bindings() if self.assignment else None

    # -- selection ---------------------------------------------------------
    def wanted(self, formula_id: str) -> bool:
        # An assignment grades only its formulas; --formula narrows that further.
        if self.assignment is not None and formula_id not in self.assignment.formulas:
            return False
        return not self.globs or any(fnmatch.fnmatchcase(formula_id, g) for g in self.globs)

    def selecting(self) -> bool:
        return bool(self.globs) or self.assignment is not None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        from reference import registry

        if self.globs:
            known = self.assignment.formula_ids if self.assignment else registry.ids()
            unknown = [g for g in self.globs if not any(fnmatch.fnmatchcase(i, g) for i in known)]
            if unknown:
                among = "formula of the assignment" if self.assignment else "formula ID"
                raise pytest.UsageError(
                    f"--formula {' '.join(map(shlex.quote, unknown))} matches no {among}; "
                    "see `python -m reference --list`"
                )
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker("formula")
            if marker is None:
                (drop if self.selecting() else keep).append(item)
            elif self.wanted(marker.args[0]):
                keep.append(item)
            else:
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        self.selected_formulas = sorted({m.args[0] for i in keep if (m := i.get_closest_marker("formula"))})

    # -- time budgets: whose property is running -----------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        marker = item.get_closest_marker("formula")
        self.running_formula = marker.args[0] if marker is not None else None
        running = getattr(self._implementation, "running", None)
        if callable(running):
            running(self.running_formula)

    # -- per-test reports ---------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        outcome = yield
        test_report: pytest.TestReport = outcome.get_result()
        marker = item.get_closest_marker("formula")
        if marker is None:
            return
        formula_id = marker.args[0]
        claim = marker.kwargs.get("claim", "")
        entry: dict[str, Any] = {"formula": formula_id, "claim": claim, "test": item.name}
        # The formula's calls during this test only (setup forgets earlier ones,
        # e.g. another formula's property calling it as a helper).
        from gradoracle.submission import take_recorded_calls

        recorded = take_recorded_calls(formula_id) if call.when in ("setup", "call") else []
        if test_report.failed and call.when != "call":
            # Setup and teardown run only the grader's fixtures (a submission's
            # import failure is caught there): their error is the grader's, is
            # shown as pytest reports it, and must not become a grade.
            kind = call.excinfo.typename if call.excinfo else "error"
            entry["grader_error"] = f"{item.nodeid}: {kind} in {call.when}"
        elif test_report.failed and call.excinfo is not None:
            from gradoracle import diagnosis

            bindings = self.bindings() or {}
            feedback = diagnosis.feedback_for_failure(
                self._implementation, formula_id, call.excinfo.value, recorded,
                spec=self.impl_spec, test_name=item.name.split("[")[0], binding=bindings.get(formula_id),
            )
            text = report.failure_text(
                formula_id=formula_id,
                claim=claim,
                exc=call.excinfo.value,
                reproduce=self.reproduce_command(formula_id, item.name),
                likely_mistakes=feedback.mistakes,
                snippet=feedback.snippet,
            )
            text = _with_setting(text)
            entry["failure"] = text
            test_report.longrepr = text
        if test_report.skipped and isinstance(test_report.longrepr, tuple):
            # pytest prefixes the reason with "Skipped: " in some versions and not others.
            entry["skip"] = str(test_report.longrepr[2]).removeprefix("Skipped: ")
        if call.when == "call" or test_report.skipped or test_report.failed:
            from gradoracle import seam

            entry["warnings"] = sorted(seam.observed_warnings.pop(formula_id, set()))
        if self.import_error:
            entry["import_error"] = self.import_error
        test_report.user_properties.append((REPORT_KEY, json.dumps(entry)))

    def reproduce_command(self, formula_id: str, test_name: str) -> str:
        # Only names the student knows: their own file, never the grader's paths.
        words = ["pytest", "--pyargs", "properties"]
        if self.impl_spec:
            words += ["--impl", report.submission_name(self.impl_spec)]
        if self.assignment is not None and self.assignment.source and self.assignment.entry(formula_id).binding:
            words += ["--assignment", self.assignment.source.name]
        if self.array_namespace:
            words += ["--array-namespace", self.array_namespace]
        if self.dtype != "float64":
            words += ["--dtype", self.dtype]
        words += ["--formula", formula_id, "-k", test_name.split("[")[0]]
        profile = self.config.getoption("hypothesis_profile", default=None)
        if profile:
            words += [f"--hypothesis-profile={profile}"]
        seed = self.config.getoption("hypothesis_seed", default=None)
        if seed is not None:
            words += [f"--hypothesis-seed={seed}"]
        return " ".join(shlex.quote(w) for w in words)

    # -- collecting verdicts (controller side; xdist forwards worker reports)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and report.when not in ("setup", "call", "teardown"):
            # xdist's report of a worker that crashed running a test: that test never ran.
            self.grader_errors.append(f"{report.nodeid}: {str(report.longrepr).splitlines()[0][:200]}")
        for key, value in report.user_properties:
            if key == REPORT_KEY:
                entry = json.loads(value)
                self.import_error = entry.get("import_error") or self.import_error
                if entry.get("grader_error"):
                    self.grader_errors.append(entry["grader_error"])
                self.verdicts.record(entry, outcome=report.outcome, when=report.when)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.grader_errors.append(f"{report.nodeid or 'collection'}: collection error")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # Workers first: no submission code may still run when the report is written.
        self.close_implementation()
        if self.is_worker:
            return
        if self._fingerprint is not None:
            from gradoracle import integrity

            self.tampering = integrity.changed_files(self._fingerprint, integrity.fingerprint())
        grading = self.impl_spec is not None
        if not grading and self.grade_json is None:
            return
        reason = self._no_grade_reason(session, exitstatus)
        if reason is not None:
            # Whatever ran is not a grade: no results.json, and a non-zero exit.
            self.no_grade_reason = reason
            if session.exitstatus == pytest.ExitCode.OK or self.grader_errors:
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
            return
        # Under xdist only the workers collect: the controller learns the
        # selected formulas from their reports.
        formulas = sorted(set(self.selected_formulas) | set(self.verdicts.by_formula))
        results = self.verdicts.results(formulas, import_error=self.import_error)
        if self.assignment is not None:
            results = report.apply_assignment(
                results,
                {f: (e.points, e.visibility) for f, e in self.assignment.formulas.items()},
                partial_credit=self.assignment.partial_credit,
            )
        if self.tampering:
            results = report.mark_tampering(results, self.tampering)
        results = report.without_grader_paths(results, submission=self.impl_spec)
        import_error = report.strip_grader_paths(self.import_error, submission=self.impl_spec)
        # How the submission was read (a notebook's skipped statements), once it imported.
        from gradoracle import classroom

        self.notes = classroom.submission_notes(self.impl_spec) if self.import_error is None else ""
        if self.grade_json:
            try:
                report.write_results_json(
                    self.grade_json,
                    results,
                    import_error=import_error,
                    execution_time=time.monotonic() - self.started,
                    notes=self.notes,
                    grader_lines=[self.jail_note] if self.jail_note else [],
                )
            except report.ResultsPathRefused as exc:  # replaced by something else while grading
                self.refused = f"gradoracle: no results written: {exc}"
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        self.results = results
        graded_any = any(r.status != "missing" for r in results)
        nothing_graded = bool(results) and (self.import_error is not None or not graded_any)
        if (nothing_graded or any(r.status == "failed" for r in results)) and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _no_grade_reason(self, session: pytest.Session, exitstatus: int) -> str | None:
        if self.grader_errors:  # a collection or fixture error, a crashed xdist worker
            return "; ".join(dict.fromkeys(self.grader_errors))[:2000]
        if exitstatus in _NO_GRADE_EXIT:  # interrupted, an internal or usage error, nothing collected
            return f"pytest stopped with exit status {int(exitstatus)} ({pytest.ExitCode(exitstatus).name})"
        if session.shouldfail or session.shouldstop:
            return f"the run stopped early ({session.shouldfail or session.shouldstop}), so not every property ran"
        return None

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.close_implementation()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        reason = getattr(self, "no_grade_reason", None)
        if reason is not None and not self.is_worker:
            terminalreporter.write_sep("=", "gradoracle: no grade")
            terminalreporter.write_line(
                f"No grade was given: the grader could not run properly ({reason}). "
                "This is a problem on the grader's side, not the submission's."
            )
            if self.grade_json:
                stale = " (a results.json from an earlier run is there: it is NOT this run's grade)"
                terminalreporter.write_line(
                    f"results.json not written to {self.grade_json}"
                    + (stale if os.path.exists(self.grade_json) else "")
                )
            return
        if getattr(self, "refused", None) and not self.is_worker:
            terminalreporter.write_line(self.refused)
        results = getattr(self, "results", None)
        if results is None or self.is_worker:
            return
        terminalreporter.write_sep("=", "gradoracle report")
        terminalreporter.write_line(
            report.render_text(results, impl=self.impl_spec or "reference", import_error=self.import_error)
        )
        if getattr(self, "notes", ""):
            terminalreporter.write_line(self.notes)
        if self.jail_note:
            terminalreporter.write_line(self.jail_note)
        if self.grade_json:
            terminalreporter.write_line(f"results.json written to {os.path.abspath(self.grade_json)}")


def _safe_import_path() -> None:
    """The grading process never imports from its working folder: a submission
    that writes a module there (the plain worker can reach it through /proc)
    would otherwise run inside the grader at its next late import."""
    import sys

    here = os.path.realpath(os.getcwd())
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != here]


def _jail_mode(config: pytest.Config) -> str:
    if config.getoption("gradoracle_no_jail"):
        if config.getoption("gradoracle_require_jail"):
            raise pytest.UsageError("--require-jail and --no-jail contradict each other")
        return "off"
    return "require" if config.getoption("gradoracle_require_jail") else "auto"


def _jail_note(mode: str) -> str | None:
    """None when the worker runs in the jail; else the line every report carries.
    With --require-jail, refuses to grade (a usage error: non-zero exit, no results)."""
    if mode == "off":
        return "graded without the jail: --no-jail was given"
    from gradoracle import jail

    found = jail.status()
    if found.available:
        return None
    if mode == "require":
        raise pytest.UsageError(f"--require-jail: refusing to grade: {found.reason} (see `gradoracle doctor`)")
    return f"graded without the jail: {found.reason}"


# -- fixtures the properties use ----------------------------------------------


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Implementation:
    """The implementation under test (the reference without ``--impl``)."""
    state = _state(request.config)
    implementation = state.implementation()
    if implementation is None:
        pytest.skip(f"missing: {state.import_error}")
    return implementation


@pytest.fixture
def subject(request: pytest.FixtureRequest, impl: Implementation) -> Any:
    """The formula this property checks, from the implementation under test."""
    marker = request.node.get_closest_marker("formula")
    if marker is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses `subject` but has no formula marker")
    formula_id = marker.args[0]
    if getattr(request.config.option, "gradoracle_dtype", "float64") != "float64":
        from properties.dtype_tolerance import reset

        reset()  # error bars are per test (and per Hypothesis example)
    if not impl.provides(formula_id):
        assignment = _state(request.config).assignment
        if assignment is not None and assignment.entry(formula_id).function:
            pytest.skip(f"missing: the submission has no {assignment.entry(formula_id).expected_function()}")
        pytest.skip(
            f"missing: the submission provides neither FORMULAS[{formula_id!r}] "
            f"nor a function {formula_id.replace('.', '_')}"
        )
    return impl.subject(formula_id)
