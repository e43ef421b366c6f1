"""A plugin is a guest: installing gradoracle changes nothing for a pytest run
that does not collect its properties, and its profiles reach its own
properties only.

Each test runs a small unrelated project in a subprocess (the plugin is
installed in this environment through its ``pytest11`` entry point). The
project's probe records what its own tests see: Hypothesis's default settings
and profiles, the examples an ``@given`` test ran, the warnings filters and
the ini values. A run with the plugin is compared with the same run under
``-p no:gradoracle`` and with Hypothesis's documented defaults.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import properties
from gradoracle import profiles
from meta_tests.helpers import grader_environment

PROPERTIES = Path(properties.__file__).resolve().parent
REFERENCE_SUBMISSION = Path(__file__).resolve().parent.parent / "benchmarks" / "submissions" / "independent_numpy.py"  # correct, and stands alone in the jail

# Runs first in its file: an unrelated @given test, then a probe that records
# what the project's tests saw. With gradoracle properties in the same run,
# the probe also records the settings those properties carry.
PROBE = '''
import json, os, warnings
from hypothesis import given, settings, strategies as st

EXAMPLES = []


@given(st.integers())
def test_unrelated_given(x):
    EXAMPLES.append(x)


def test_probe(request):
    default = settings.default
    state = {
        "profile": settings.get_current_profile_name(),
        "max_examples": default.max_examples,
        "deadline_ms": None if default.deadline is None else default.deadline.total_seconds() * 1000,
        "database": default.database is not None,
        "derandomize": default.derandomize,
        "examples_run": len(EXAMPLES),
        "gradoracle_profiles_registered": sorted(
            name for name in ("dev", "grading", "thorough", "meta") if _registered(name)
        ),
        # Hypothesis has a "ci" profile of its own (100 examples); gradoracle's has 30.
        "ci_profile_max_examples": settings.get_profile("ci").max_examples if _registered("ci") else None,
        "warnings_filters": [repr(f) for f in warnings.filters],
        "ini_filterwarnings": request.config.getini("filterwarnings"),
        "markers": request.config.getini("markers"),
    }
    try:
        from properties import test_logistic
    except ImportError:
        pass
    else:
        own = test_logistic.test_loss_is_nonnegative_and_finite._hypothesis_internal_use_settings
        state["property_settings"] = {"max_examples": own.max_examples, "derandomize": own.derandomize}
    with open(os.environ["GRADORACLE_PROBE_OUT"], "w") as handle:
        json.dump(state, handle)


def _registered(name):
    try:
        settings.get_profile(name)
    except Exception:
        return False
    return True
'''

# A project with a Hypothesis profile of its own named like one of ours.
PROJECT_CI_PROFILE = '''
from hypothesis import settings
settings.register_profile("ci", max_examples=7, derandomize=False)
'''


# Hypothesis loads its own "ci" profile when one of these is set (hypothesis._settings._CI_VARS):
# the probe compares against its local defaults, so the project runs without them.
_CI_VARIABLES = (
    "CI", "__TOX_ENVIRONMENT_VARIABLE_ORIGINAL_CI", "TF_BUILD", "bamboo.buildKey", "BUILDKITE", "CIRCLECI",
    "CIRRUS_CI", "CODEBUILD_BUILD_ID", "GITHUB_ACTIONS", "GITLAB_CI", "HEROKU_TEST_RUN_ID", "TEAMCITY_VERSION",
)


def run_project(tmp_path: Path, *options: str, conftest: str | None = None, with_properties: bool = False) -> dict[str, Any]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_probe.py").write_text(PROBE)
    if conftest is not None:
        (project / "conftest.py").write_text(conftest)
    out = tmp_path / f"probe-{len(list(tmp_path.glob('probe-*')))}.json"
    targets = ["test_probe.py"]
    if with_properties:  # one property of the suite runs next to the project's tests
        targets += [str(PROPERTIES / "test_logistic.py"), "-k", "unrelated_given or probe or loss_is_nonnegative"]
    command = [
        sys.executable, "-m", "pytest", "-q", "-c", str(project / "pytest.ini"), "--rootdir", str(project),
        "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly", *targets, *options,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=project,
        env={
            **{k: v for k, v in grader_environment().items() if k not in _CI_VARIABLES},
            "GRADORACLE_PROBE_OUT": str(out),
        },
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert out.exists(), completed.stdout[-3000:]
    return json.loads(out.read_text())


def without_our_marker(state: dict[str, Any]) -> dict[str, Any]:
    """The state with gradoracle's own marker registration removed (allowed)."""
    return {**state, "markers": [m for m in state["markers"] if not m.startswith("formula(")]}


def assert_hypothesis_defaults(state: dict[str, Any]) -> None:
    # Hypothesis's documented defaults: 100 examples, a 200 ms deadline, an
    # example database, random seeds; gradoracle's ci profile has 30, no
    # deadline, no database and derandomize=True.
    assert state["profile"] == "default", state
    assert state["max_examples"] == 100, state
    assert state["deadline_ms"] == 200, state
    assert state["database"] is True, state
    assert state["derandomize"] is False, state
    assert state["examples_run"] == 100, state
    assert state["gradoracle_profiles_registered"] == [], state
    assert state["ci_profile_max_examples"] in (None, 100), state
    assert not any("mypy_extensions" in f for f in state["warnings_filters"]), state["warnings_filters"]
    assert state["ini_filterwarnings"] == [], state


def test_an_unrelated_project_sees_hypothesis_defaults(tmp_path: Path) -> None:
    with_plugin = run_project(tmp_path)
    without_plugin = run_project(tmp_path, "-p", "no:gradoracle")
    assert_hypothesis_defaults(with_plugin)
    assert_hypothesis_defaults(without_plugin)
    assert without_our_marker(with_plugin) == without_plugin
    assert any(m.startswith("formula(") for m in with_plugin["markers"])  # its own marker only


def test_in_the_same_run_as_the_properties_each_keeps_its_settings(tmp_path: Path) -> None:
    state = run_project(tmp_path, with_properties=True)
    assert_hypothesis_defaults(state)
    assert state["property_settings"] == {"max_examples": 30, "derandomize": True}  # ci
    graded = run_project(tmp_path, "--impl", str(REFERENCE_SUBMISSION), "--no-sandbox", with_properties=True)
    assert_hypothesis_defaults(graded)
    assert graded["property_settings"] == {"max_examples": 60, "derandomize": True}  # grading


def test_a_project_profile_named_like_ours_stays_the_projects(tmp_path: Path) -> None:
    state = run_project(tmp_path, "--hypothesis-profile=ci", conftest=PROJECT_CI_PROFILE, with_properties=True)
    assert state["profile"] == "ci" and state["max_examples"] == 7 and state["examples_run"] == 7, state
    # Our properties still run with gradoracle's ci profile.
    assert state["property_settings"] == {"max_examples": 30, "derandomize": True}


def test_naming_a_gradoracle_profile_and_a_seed_reach_the_properties(tmp_path: Path) -> None:
    named = run_project(tmp_path, "--hypothesis-profile=grading", with_properties=True)
    assert named["property_settings"] == {"max_examples": 60, "derandomize": True}
    # With a seed, derandomize would make Hypothesis ignore it: it is lifted.
    seeded = run_project(tmp_path, "--hypothesis-seed=12345", with_properties=True)
    assert seeded["property_settings"] == {"max_examples": 30, "derandomize": False}
    assert_hypothesis_defaults(seeded)


def test_settings_for_scales_by_cost_and_never_registers() -> None:
    assert profiles.settings_for("grading").max_examples == 60
    assert profiles.settings_for("grading", cost=4).max_examples == 15
    assert profiles.settings_for("dev", cost=100).max_examples == 5
    assert profiles.settings_for("ci").deadline is None and profiles.settings_for("ci").database is None
    with pytest.raises(ValueError, match="no gradoracle profile 'nightly'"):
        profiles.settings_for("nightly")
