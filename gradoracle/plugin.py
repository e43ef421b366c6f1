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
from typing import Any

import pytest

from gradoracle import integrity, profiles, report, seam
from gradoracle.submission import Implementation, SubmissionImportError, load_implementation

REPORT_KEY = "gradoracle"

# Registered at import, before Hypothesis's own plugin reads --hypothesis-profile.
profiles.register()


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
        "--sandbox-user",
        dest="gradoracle_sandbox_user",
        default=None,
        metavar="USER",
        help="run the sandboxed worker as this (unprivileged) user; Python and the "
        "project must be readable by it",
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


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis imports libcst when a test fails, and libcst trips a deprecation
    # in mypy_extensions: noise in every student's report, not theirs to fix.
    config.addinivalue_line("filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")
    config.addinivalue_line("markers", "formula(id, claim): the catalogue formula a property checks")
    # Load the profile here even when --hypothesis-profile names it: property
    # modules scale their settings from the profile current at import, and the
    # sandbox imports them before Hypothesis's own plugin would load it.
    chosen = config.getoption("hypothesis_profile", default=None)
    if chosen is None or chosen in profiles.PROFILES:
        profiles.load(chosen or ("grading" if config.getoption("gradoracle_impl") else "ci"))
    _activate_namespace(config)
    state = GradingState(config)
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(state, "gradoracle-state")


STATE_KEY = pytest.StashKey["GradingState"]()


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
    from gradoracle import namespaces

    try:
        namespaces.activate(config.getoption("gradoracle_array_namespace"), config.getoption("gradoracle_dtype"))
    except namespaces.NamespaceError as exc:
        raise pytest.UsageError(f"--array-namespace/--dtype: {exc}") from None


def _state(config: pytest.Config) -> "GradingState":
    return config.stash[STATE_KEY]


class GradingState:
    """Everything the plugin knows about the current run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
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
        if self.sandboxed and not self.is_worker:
            from reference import registry

            # Everything the grade depends on is imported before any submission runs,
            # so later writes to these files cannot change this grade; the
            # fingerprint tells whether anything tried.
            registry.load_properties()
            self._fingerprint = integrity.fingerprint()

    # -- the implementation under test ------------------------------------
    def implementation(self) -> Implementation | None:
        if self._implementation is None and self.import_error is None:
            try:
                if self.sandboxed:
                    from gradoracle.sandbox import SandboxedImplementation, SandboxLimits

                    limits = SandboxLimits(
                        call_seconds=self.config.getoption("gradoracle_call_timeout"),
                        user=self.config.getoption("gradoracle_sandbox_user"),
                    )
                    self._implementation = SandboxedImplementation(
                        self.impl_spec, limits, array_namespace=self.array_namespace, dtype=self.dtype  # type: ignore[arg-type]
                    )
                else:
                    self._implementation = load_implementation(
                        self.impl_spec, array_namespace=self.array_namespace, dtype=self.dtype
                    )
                if self.dtype != "float64":
                    from properties.dtype_tolerance import measured

                    self._implementation = measured(self._implementation)
            except SubmissionImportError as exc:
                self.import_error = str(exc)
        return self._implementation

    def close_implementation(self) -> None:
        close = getattr(self._implementation, "close", None)
        if callable(close):
            close()

    # -- selection ---------------------------------------------------------
    def wanted(self, formula_id: str) -> bool:
        return not self.globs or any(fnmatch.fnmatchcase(formula_id, g) for g in self.globs)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        from reference import registry

        if self.globs:
            unknown = [g for g in self.globs if not any(fnmatch.fnmatchcase(i, g) for i in registry.ids())]
            if unknown:
                raise pytest.UsageError(
                    f"--formula {' '.join(map(shlex.quote, unknown))} matches no formula ID; "
                    "see `python -m reference --list`"
                )
        keep, drop = [], []
        for item in items:
            marker = item.get_closest_marker("formula")
            if marker is None:
                (drop if self.globs else keep).append(item)
            elif self.wanted(marker.args[0]):
                keep.append(item)
            else:
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
        self.selected_formulas = sorted({m.args[0] for i in keep if (m := i.get_closest_marker("formula"))})

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
        if test_report.failed and call.excinfo is not None:
            text = report.failure_text(
                formula_id=formula_id,
                claim=claim,
                exc=call.excinfo.value,
                reproduce=self.reproduce_command(formula_id, item.name),
            )
            text = _with_setting(text)
            entry["failure"] = text
            test_report.longrepr = text
        if test_report.skipped and isinstance(test_report.longrepr, tuple):
            # pytest prefixes the reason with "Skipped: " in some versions and not others.
            entry["skip"] = str(test_report.longrepr[2]).removeprefix("Skipped: ")
        if call.when == "call" or test_report.skipped or test_report.failed:
            entry["warnings"] = sorted(seam.observed_warnings.pop(formula_id, set()))
        if self.import_error:
            entry["import_error"] = self.import_error
        test_report.user_properties.append((REPORT_KEY, json.dumps(entry)))

    def reproduce_command(self, formula_id: str, test_name: str) -> str:
        words = ["pytest", "--pyargs", "properties"]
        if self.impl_spec:
            words += ["--impl", self.impl_spec]
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
        for key, value in report.user_properties:
            if key == REPORT_KEY:
                entry = json.loads(value)
                self.import_error = entry.get("import_error") or self.import_error
                self.verdicts.record(entry, outcome=report.outcome, when=report.when)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # Workers first: no submission code may still run when the report is written.
        self.close_implementation()
        if self.is_worker:
            return
        if self._fingerprint is not None:
            self.tampering = integrity.changed_files(self._fingerprint, integrity.fingerprint())
        grading = self.impl_spec is not None
        if not grading and self.grade_json is None:
            return
        # Under xdist only the workers collect: the controller learns the
        # selected formulas from their reports.
        formulas = sorted(set(self.selected_formulas) | set(self.verdicts.by_formula))
        results = self.verdicts.results(formulas, import_error=self.import_error)
        if self.tampering:
            results = report.mark_tampering(results, self.tampering)
        if self.grade_json:
            report.write_results_json(self.grade_json, results, import_error=self.import_error)
        self.results = results
        graded_any = any(r.status != "missing" for r in results)
        nothing_graded = bool(results) and (self.import_error is not None or not graded_any)
        if (nothing_graded or any(r.status == "failed" for r in results)) and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.close_implementation()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        results = getattr(self, "results", None)
        if results is None or self.is_worker:
            return
        terminalreporter.write_sep("=", "gradoracle report")
        terminalreporter.write_line(
            report.render_text(results, impl=self.impl_spec or "reference", import_error=self.import_error)
        )
        if self.grade_json:
            terminalreporter.write_line(f"results.json written to {os.path.abspath(self.grade_json)}")


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
        pytest.skip(
            f"missing: the submission provides neither FORMULAS[{formula_id!r}] "
            f"nor a function {formula_id.replace('.', '_')}"
        )
    return impl.subject(formula_id)
