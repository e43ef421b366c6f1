"""Properties of the newton family: Newton's method for a root of ``f`` and for a
minimizer (seeds 000, 001, 002, 004).

Catalogue: ``newton.root``, ``newton.minimize``.

Root problems are polynomials built around a chosen root: ``f(x) = a·P(x - r)`` with
``P(t) = t + p_2 t² + p_3 t³ + p_4 t⁴``, every number a dyadic rational with few bits,
so the monomial coefficients are exact in float64, ``r`` is an exact root (Horner
evaluates ``f(r)`` to exactly 0) and the error ``e_k = |x_k - r|`` is known exactly.
In these coordinates Newton's map is exact algebra: ``t ↦ N(t) = Q(t)/P'(t)`` with
``Q(t) = Σ (k-1) p_k t^k``, so ``e_{k+1}/e_k² → |p_2| = |f''(r)/(2f'(r))|`` with an
explicit bound on the deviation, and every bound below is derived, not tuned:

- the basin: on ``|t| ≤ ρ``, ``|f'| ≥ |a|(1 - Σ k|p_k|ρ^{k-1}) ≥ 3|a|/4`` and
  ``|e_{k+1}| ≤ C e_k²`` with ``C = max|f''| / (2 min|f'|)``, ``C·ρ ≤ 1/4``;
- the rounding floor: Horner's ``f(x)`` errs by at most ``γ_{2n} Σ|c_i||x|^i``
  (Higham, *Accuracy and Stability*, §5.1), so a computed step errs by that over
  ``min|f'|``, plus relative roundings of the step and of ``x``; each bound is
  taken four times over, so any float64 formulation (``f/f'``, ``f·(1/f')``) fits.

Decisions where the catalogue is ambiguous:
- "C ≈ |f''(x*)/(2f'(x*))|" is checked as ``|e_{k+1}/e_k² - C| ≤ C·δ_k``, δ_k the
  derived deviation at ``e_k`` (exact Newton) plus rounding, for the steps where
  ``δ_k ≤ 1/4``; "observed order → 2" as ``|log(e_{k+1}/e_k)/log(e_k/e_{k-1}) - 2|``
  within the bound those δ's imply (≤ 0.05 on these inputs; a linearly convergent
  method, e.g. a chord or damped step, is off by about 1).
- "stays once f(x) = 0 exactly" is checked on the submission's own iterates: whenever
  ``f(x_k)`` is exactly 0, ``x_{k+1}`` must equal ``x_k``; inputs start on exact roots
  (also multiple ones, where ``f' = 0``) or land on one exactly (a double root reached
  from the midpoint of it and the simple root, at a power-of-two distance).
- The change-of-variables invariance is checked for both: ``x = aφ`` for roots (a = ±2^j,
  where float64 keeps it exact), and ``θ = T φ`` for minimization: minimizing ``J(Tφ)`` (gradient
  ``Tᵀ g(Tφ)``, Hessian ``Tᵀ H(Tφ) T``) from ``T⁻¹θ0`` must give ``T φ_k = θ_k``.
- Objectives for ``minimize`` are strongly convex: quadratics, and quadratics plus a
  small ``c ⊙ sin(ω ⊙ θ)`` term (``|c ω| ≤ λ_min(A)/8``), on which Newton contracts
  globally; a quartic ``Σ m (θ - t)⁴/4`` appears only at its stationary point ``t``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from properties.generic_properties import FLOAT64_RTOL, agrees_with_reference
from hypothesis.extra import numpy as hnp

from properties.hypothesis_helpers import finite_floats, sizes
from properties.pytest_helpers import assert_close, assert_equal, assert_true, prop
from gradoracle.callables import (
    CubicGradient,
    CubicHessian,
    Polynomial,
    QuadraticGradient,
    QuadraticHessian,
    TransformedWigglyGradient,
    TransformedWigglyHessian,
    WigglyGradient,
    WigglyHessian,
)

# Unit roundoff of float64: the relative error of one rounding.
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2

# -- root problems -----------------------------------------------------------------------


class RootProblem(NamedTuple):
    """``f(x) = a·Σ_k p_k (x - r)^k`` (``p_1 = 1``) with exact float64 coefficients."""

    f: Polynomial
    fprime: Polynomial
    root: float
    shifted: tuple[float, ...]  # p_0 = 0, p_1 = 1, p_2, ...: the Taylor coefficients at r over a
    scale: float  # a = f'(r)
    radius: float  # ρ: |t| ≤ ρ is inside the basin (see the module docstring)


def _exact_polynomial(a: Fraction, r: Fraction, shifted: list[Fraction]) -> np.ndarray:
    """Monomial coefficients of ``a·Σ_k shifted[k] (x - r)^k``, checked exact in float64."""
    coefficients = [Fraction(0)] * len(shifted)
    for k, pk in enumerate(shifted):
        for i in range(k + 1):
            coefficients[i] += a * pk * math.comb(k, i) * (-r) ** (k - i)
    floats = np.array([float(c) for c in coefficients])
    if any(Fraction(float(c)) != c for c in coefficients):  # pragma: no cover - by construction
        raise AssertionError(f"test bug: coefficients {coefficients} are not exact in float64")
    return floats


def _basin_radius(shifted: tuple[float, ...]) -> float:
    """The largest ``ρ = 2^-j`` with ``Σ_{k≥2} k|p_k|ρ^{k-1} ≤ 1/4`` (so ``|P'| ≥ 3/4``) and
    ``C(ρ)·ρ ≤ 1/4``, ``C(ρ) = Σ k(k-1)|p_k|ρ^{k-2} / (2·(3/4))``: then ``|e_{k+1}| ≤ e_k/4``."""
    radius = 1.0
    while True:
        slope_loss = sum(k * abs(p) * radius ** (k - 1) for k, p in enumerate(shifted) if k >= 2)
        if slope_loss <= 0.25 and _curvature_bound(shifted, radius) * radius <= 0.25:
            return radius
        radius /= 2


def _min_slope(shifted: tuple[float, ...], t: float) -> float:
    """A lower bound of ``|P'(s)|`` for ``|s| ≤ t``."""
    return 1.0 - sum(k * abs(p) * t ** (k - 1) for k, p in enumerate(shifted) if k >= 2)


def _curvature_bound(shifted: tuple[float, ...], t: float) -> float:
    """``C(t) = max|P''| / (2 min|P'|)`` over ``|s| ≤ t``: bounds ``|e_{k+1}|/e_k²`` there."""
    curvature = sum(k * (k - 1) * abs(p) * t ** (k - 2) for k, p in enumerate(shifted) if k >= 2)
    return curvature / (2 * _min_slope(shifted, t))


def _ratio_deviation(shifted: tuple[float, ...], t: float) -> float:
    """A bound of ``|N(s)/s² - p_2|`` for ``|s| ≤ t`` (exact Newton): the numerator
    ``Σ_{k≥3}(k-1)p_k s^{k-2} - p_2 Σ_{k≥2} k p_k s^{k-1}`` over ``|P'(s)|``."""
    p2 = abs(shifted[2]) if len(shifted) > 2 else 0.0
    higher = sum((k - 1) * abs(p) * t ** (k - 2) for k, p in enumerate(shifted) if k >= 3)
    feedback = p2 * sum(k * abs(p) * t ** (k - 1) for k, p in enumerate(shifted) if k >= 2)
    return (higher + feedback) / _min_slope(shifted, t)


def _evaluation_bound(coefficients: np.ndarray, magnitude: float) -> float:
    """Horner's error bound ``γ_{2n} Σ|c_i| X^i`` for a degree-n polynomial at ``|x| ≤ X``."""
    degree = len(coefficients) - 1
    if degree <= 0:
        return 0.0
    gamma = 2 * degree * UNIT_ROUNDOFF / (1 - 2 * degree * UNIT_ROUNDOFF)
    return gamma * float(np.sum(np.abs(coefficients) * magnitude ** np.arange(degree + 1)))


def rounding_floor(problem: RootProblem) -> tuple[float, float]:
    """``(floor, relative)``: a float64 Newton step from ``x`` with ``|x - r| ≤ ρ`` lands within
    ``relative·e + floor`` of the exact Newton step ``N(x)``.

    ``fl(f)`` errs by Horner's bound Φ, over ``|f'| ≥ |a|·3/4`` that moves the step by
    ``Φ/(3|a|/4)``; ``fl(f')`` is relatively off by ``Φ'/(3|a|/4)``, the division and the
    subtraction by ``u`` each, which moves the step (≤ 2e) relatively; ``x`` itself rounds
    at ``u·|x|``. Four times each, for any association of the same operations."""
    magnitude = abs(problem.root) + problem.radius
    slope = abs(problem.scale) * _min_slope(problem.shifted, problem.radius)
    phi = _evaluation_bound(problem.f.coefficients, magnitude)
    phi_prime = _evaluation_bound(problem.fprime.coefficients, magnitude)
    floor = 4 * (phi / slope + 2 * UNIT_ROUNDOFF * magnitude)
    relative = 4 * 2 * (phi_prime / slope + 3 * UNIT_ROUNDOFF)
    return floor, relative


def _dyadic(draw: Any, numerators: st.SearchStrategy[int], denominator: int = 8) -> Fraction:
    return Fraction(draw(numerators), denominator)


@st.composite
def root_problems(
    draw: Any,
    *,
    max_abs_root: int = 4,
    degrees: tuple[int, int] = (1, 4),
    p2_numerators: st.SearchStrategy[int] = st.tuples(st.integers(1, 16), st.sampled_from([1, -1])).map(
        lambda pair: pair[0] * pair[1]
    ),
    higher_numerators: st.SearchStrategy[int] = st.integers(-16, 16),
) -> RootProblem:
    """A polynomial with a simple root ``r = m/8`` (|r| ≤ ``max_abs_root``), Taylor coefficients
    ``p_k = j/8`` at r (``p_2 ≠ 0`` by default, so f is curved at r) and ``a = ±{1, 3, 5}·2^{-2..2}``
    — at most ~40 significant bits in all."""
    root = _dyadic(draw, st.integers(-8 * max_abs_root, 8 * max_abs_root))
    # Cubics first: linear f (Newton exact in one step) teaches little, so it comes last.
    degree = draw(st.sampled_from([d for d in (3, 2, 4, 1) if degrees[0] <= d <= degrees[1]]))
    shifted = [Fraction(0), Fraction(1)]
    for k in range(2, degree + 1):
        shifted.append(_dyadic(draw, p2_numerators if k == 2 else higher_numerators))
    a = Fraction(draw(st.sampled_from([1, 3, 5, -1, -3, -5]))) * Fraction(2) ** draw(st.integers(-2, 2))
    coefficients = _exact_polynomial(a, root, shifted)
    f = Polynomial(coefficients=coefficients)
    shifted_floats = tuple(float(p) for p in shifted)
    return RootProblem(f, f.derivative(), float(root), shifted_floats, float(a), _basin_radius(shifted_floats))


@st.composite
def starts_in_basin(draw: Any, problems: st.SearchStrategy[RootProblem]) -> tuple[RootProblem, float, int]:
    """A problem, a start ``x0`` with ``1e-3ρ ≤ |x0 - r| ≤ 0.99ρ`` (at the edge of the basin
    often) and ``steps`` in 0..8 (starts exactly on a root are in ``exact_landings``)."""
    problem = draw(problems)
    fraction = draw(st.one_of(st.just(0.99), finite_floats(0.3, 0.99), finite_floats(1e-3, 0.99)))
    side = draw(st.sampled_from([-1.0, 1.0]))
    x0 = problem.root + side * fraction * problem.radius
    return problem, float(x0), draw(st.sampled_from([6, 3, 8, 1, 2, 4, 5, 7, 0]))


@st.composite
def exact_root_starts(draw: Any) -> tuple[Polynomial, Polynomial, float, int]:
    """``x0`` exactly on a root of multiplicity 1-3 (so ``f'(x0) = 0`` for 2 and 3)."""
    root = _dyadic(draw, st.integers(-32, 32))
    multiplicity = draw(st.integers(1, 3))
    tail = [Fraction(1)] + [_dyadic(draw, st.integers(-16, 16)) for _ in range(draw(st.integers(0, 2)))]
    shifted = [Fraction(0)] * multiplicity + tail
    a = Fraction(draw(st.sampled_from([1, 3, -1, -3]))) * Fraction(2) ** draw(st.integers(-2, 2))
    f = Polynomial(coefficients=_exact_polynomial(a, root, shifted))
    if f(float(root)) != 0.0:  # pragma: no cover - by construction
        raise AssertionError(f"test bug: f({float(root)}) = {f(float(root))} for {f!r}")
    return f, f.derivative(), float(root), draw(st.integers(1, 6))


@st.composite
def landing_on_double_root(draw: Any) -> tuple[Polynomial, Polynomial, float, int]:
    """``f = a (x - r)² (x - s)`` from ``x0 = (r + s)/2``: with ``h = x0 - r``, ``f(x0) = -a h³``
    and ``f'(x0) = -a h²``, so one exact step lands on the double root r, where f = f' = 0.
    ``a`` and ``h`` are powers of two, so ``f/f'`` and ``f·(1/f')`` are both exact."""
    root = _dyadic(draw, st.integers(-32, 32))
    h = Fraction(draw(st.sampled_from([-1, 1]))) * Fraction(2) ** draw(st.integers(-3, 1))
    a = Fraction(draw(st.sampled_from([-1, 1]))) * Fraction(2) ** draw(st.integers(-2, 2))
    other = root + 2 * h
    # (x - r)²(x - s) = t²(t - 2h) in t = x - r: Taylor coefficients (0, 0, -2h, 1).
    f = Polynomial(coefficients=_exact_polynomial(a, root, [Fraction(0), Fraction(0), -2 * h, Fraction(1)]))
    fprime = f.derivative()
    x0 = float(root + h)
    if x0 - f(x0) / fprime(x0) != float(root) or f(float(root)) != 0.0 or other == root:  # pragma: no cover
        raise AssertionError("test bug: the step from the midpoint does not land exactly on the double root")
    return f, fprime, x0, draw(st.integers(2, 6))


@st.composite
def landing_on_simple_root(draw: Any) -> tuple[Polynomial, Polynomial, float, int]:
    """``f = a (x - r)`` with ``a`` a power of two: the first step lands exactly on r."""
    root = _dyadic(draw, st.integers(-32, 32))
    a = Fraction(draw(st.sampled_from([-1, 1]))) * Fraction(2) ** draw(st.integers(-3, 3))
    f = Polynomial(coefficients=_exact_polynomial(a, root, [Fraction(0), Fraction(1)]))
    x0 = float(root + _dyadic(draw, st.integers(-32, 32)))
    return f, f.derivative(), x0, draw(st.integers(1, 6))


def _root_args(start: tuple[RootProblem, float, int]) -> tuple:
    problem, x0, steps = start
    return problem.f, problem.fprime, x0, steps


general_roots = starts_in_basin(root_problems())
exact_landings = st.one_of(exact_root_starts(), landing_on_double_root(), landing_on_simple_root())


@st.composite
def convergence_windows(draw: Any) -> tuple[RootProblem, float, int]:
    """Problems with ``|p_2| ∈ [1/2, 1]``, ``|p_3|, |p_4| ≤ 1/2`` and ``|r| ≤ 1``, started at
    ``e_0 = η/|p_2|`` with ``η ∈ [3e-3, 1e-2]``: then ``e_1 ≈ η²/|p_2| ≥ 9e-6`` and
    ``e_2 ≈ η⁴/|p_2| ≥ 8e-11``, far above the rounding floor (≤ 4e-13), while the
    derived deviations δ_0, δ_1 stay below 0.15 — so the ratio C is measured at
    k = 0, 1 and the order on the triple (e_0, e_1, e_2)."""
    magnitude = st.integers(4, 8)
    p2 = st.tuples(magnitude, st.sampled_from([-1, 1])).map(lambda pair: pair[0] * pair[1])
    problem = draw(
        root_problems(max_abs_root=1, degrees=(2, 4), p2_numerators=p2, higher_numerators=st.integers(-4, 4))
    )
    eta = draw(st.one_of(st.just(3e-3), st.just(1e-2), finite_floats(3e-3, 1e-2)))
    side = draw(st.sampled_from([-1.0, 1.0]))
    x0 = problem.root + side * eta / abs(problem.shifted[2])
    return problem, float(x0), draw(st.integers(3, 6))


def _errors(iterates: np.ndarray, root: float) -> np.ndarray:
    # x_k - r is exact (Sterbenz) or rounded once, relatively: the error is exact to 1 ulp of itself.
    return np.abs(np.asarray(iterates, dtype=np.float64) - root)


# -- newton.root ---------------------------------------------------------------------------

# Two general starts for one exact landing: on the latter most wrong steps agree with Newton's.
test_root_agrees_with_reference = agrees_with_reference(
    "newton.root", st.one_of(general_roots.map(_root_args), general_roots.map(_root_args), exact_landings)
)


@prop("newton.root", "once f(x) = 0 exactly the iterates stay there (no step, no nan at a multiple root)")
@given(args=exact_landings)
def test_root_stays_at_an_exact_root(subject: Any, args: tuple) -> None:
    f, _, x0, steps = args
    iterates = subject(*args)
    assert_equal(iterates[0], x0, what="the first iterate must be x0")
    for k in range(steps):
        if f(iterates[k]) == 0.0:
            assert_equal(
                iterates[k + 1],
                iterates[k],
                what=f"f(x_{k}) = 0 exactly, so x_{k + 1} must equal x_{k} (Newton stays at an exact root)",
            )


@prop(
    "newton.root",
    "near a simple root |e_{k+1}| ≤ C·|e_k|², C the bound of |f''/(2f')| around the root (quadratic convergence)",
)
@given(start=general_roots)
def test_root_converges_quadratically(subject: Any, start: tuple[RootProblem, float, int]) -> None:
    problem, x0, steps = start
    iterates = subject(*_root_args(start))
    assert_equal(iterates[0], x0, what="the first iterate must be x0")
    errors = _errors(iterates, problem.root)
    c = _curvature_bound(problem.shifted, problem.radius)
    floor, relative = rounding_floor(problem)
    for k in range(steps):
        # Exact Newton gives |e_{k+1}| ≤ C e_k² (Taylor, C over |t| ≤ ρ); float64 adds at most
        # relative·e_k + floor (rounding_floor: Horner's bound, four times over). e_k ≤ ρ holds for
        # k = 0 by construction and then by the bound itself (C·ρ ≤ 1/4).
        allowed = c * errors[k] ** 2 + relative * errors[k] + floor
        assert_true(
            errors[k + 1] <= allowed,
            what=f"step {k} → {k + 1} is not quadratic: |e_{k + 1}| > C·|e_{k}|² (+ rounding floor)",
            details={
                "root x*": problem.root,
                "iterates": iterates,
                f"|e_{k}|": errors[k],
                f"|e_{k + 1}|": errors[k + 1],
                "C·|e_k|² + floor": allowed,
                "C (bound of |f''/(2f')| near x*)": c,
            },
        )


@prop(
    "newton.root",
    "e_{k+1}/e_k² → C = |f''(x*)/(2f'(x*))| and the observed order log(e_{k+1}/e_k)/log(e_k/e_{k-1}) → 2",
)
@given(start=convergence_windows())
def test_root_has_order_two_and_constant_c(subject: Any, start: tuple[RootProblem, float, int]) -> None:
    problem, x0, steps = start
    iterates = subject(*_root_args(start))
    assert_equal(iterates[0], x0, what="the first iterate must be x0")
    errors = _errors(iterates, problem.root)
    c_star = abs(problem.shifted[2])  # |f''(r)/(2 f'(r))| = |2a p_2 / (2a)|
    floor, relative = rounding_floor(problem)
    deviation: dict[int, float] = {}
    for k in range(steps):
        e = errors[k]
        if not 0.0 < e <= problem.radius:
            break
        # Relative deviation of e_{k+1}/e_k² from C: exact Newton's (derived) plus rounding over e_k².
        delta = (_ratio_deviation(problem.shifted, e) + (relative * e + floor) / e**2) / c_star
        if delta > 0.25 or c_star * (1 + delta) * e > 0.5:
            break
        deviation[k] = delta
        ratio = errors[k + 1] / e**2
        assert_true(
            abs(ratio - c_star) <= c_star * delta,
            what=f"e_{k + 1}/e_{k}² is not |f''(x*)/(2f'(x*))| (within the derived deviation)",
            details={"iterates": iterates, "e_{k+1}/e_k²": ratio, "|f''/(2f')| at x*": c_star, "allowed relative deviation": delta},
        )
        if k >= 1:
            # p - 2 = log(R_k/R_{k-1}) / log(R_{k-1} e_{k-1}) with R_j = e_{j+1}/e_j² ∈ C(1 ± δ_j).
            order = math.log(errors[k + 1] / errors[k]) / math.log(errors[k] / errors[k - 1])
            previous = deviation[k - 1]
            allowed = (-math.log1p(-delta) - math.log1p(-previous)) / -math.log(
                c_star * (1 + previous) * errors[k - 1]
            )
            assert_true(
                abs(order - 2.0) <= allowed,
                what=f"the observed order of convergence at step {k + 1} is not 2",
                details={"iterates": iterates, "errors": errors, "observed order": order, "allowed |order - 2|": allowed},
            )
    assert_true(
        len(deviation) >= 2,
        what="Newton's method did not reach the measurable window (two quadratic steps above the rounding floor)",
        details={"iterates": iterates, "errors": errors},
    )


@prop("newton.root", "the iterates are invariant under a linear change of variables x = aφ")
@given(start=general_roots, sign=st.sampled_from([-1.0, 1.0]), power=st.integers(-3, 3))
def test_root_is_invariant_under_linear_change_of_variables(
    subject: Any, start: tuple[RootProblem, float, int], sign: float, power: int
) -> None:
    problem, x0, steps = start
    a = sign * 2.0**power
    # f̃(φ) = f(aφ) has coefficients c_k a^k and f̃'(φ) = a f'(aφ). With a a power of two every
    # rounding commutes with the scaling, so in float64 too a·φ_k = x_k exactly; 1e-9 is only slack.
    scaled = Polynomial(coefficients=problem.f.coefficients * a ** np.arange(len(problem.f.coefficients)))
    plain = subject(*_root_args(start))
    transformed = subject(scaled, scaled.derivative(), x0 / a, steps)
    assert_close(
        a * transformed,
        plain,
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL * (1 + float(np.max(np.abs(plain)))),
        what=f"a·φ_k from Newton on f(aφ), a = {a:g}, started at x0/a",
        expected_label="x_k from Newton on f",
    )


# -- minimize problems --------------------------------------------------------------------------


def dense_arrays(shape: int | tuple[int, ...], low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays with every entry drawn on its own. Hypothesis's default fill makes most
    entries one repeated value (θ0 = b = 0, or a rotation that is the identity, so a "rotated"
    A is diagonal), on which wrong steps such as g/diag(H) agree with Newton's."""
    return hnp.arrays(np.float64, shape, elements=finite_floats(low, high), fill=st.nothing())


def _orthogonal(draw: Any, d: int) -> np.ndarray:
    q, _ = np.linalg.qr(draw(dense_arrays((d, d), -1.0, 1.0)))
    return q


@st.composite
def rotated_matrices(draw: Any, d: int, *, max_condition: float, symmetric: bool) -> np.ndarray:
    """``U diag(s) Vᵀ`` (``V = U`` when symmetric) with ``s`` in ``[1, max_condition]`` times
    0.5, 1 or 2, and dense random orthogonal factors: condition ≤ ``max_condition``, SPD when
    symmetric, non-diagonal in general; either sign of det otherwise."""
    u = _orthogonal(draw, d)
    singular = draw(dense_arrays(d, 1.0, max_condition)) * draw(st.sampled_from([1.0, 0.5, 2.0]))
    if symmetric:
        a = (u * singular) @ u.T
        return (a + a.T) / 2
    return (u * singular) @ _orthogonal(draw, d).T


@st.composite
def quadratic_problems(draw: Any, *, max_condition: float = 100.0) -> tuple:
    """``J = ½θᵀAθ - bᵀθ``, A symmetric positive definite with condition ≤ ``max_condition``."""
    d = draw(sizes(1, 4))
    a = draw(rotated_matrices(d, max_condition=max_condition, symmetric=True))
    b = draw(dense_arrays(d, -3.0, 3.0))
    theta0 = draw(dense_arrays(d, -3.0, 3.0))
    return QuadraticGradient(A=a, b=b), QuadraticHessian(A=a), theta0, draw(st.integers(1, 4))


@st.composite
def wiggly_objectives(draw: Any, *, max_condition: float = 100.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(A, b, c, ω, θ0)`` for ``J = ½θᵀAθ - bᵀθ - Σ c/ω cos(ωθ)`` with ``|c ω| ≤ λ_min(A)/8``:
    the Hessian stays within ``A ± λ_min/8``, so J is strongly convex and Newton contracts
    by ``≤ 2/7`` per step from anywhere (``‖e_{k+1}‖ ≤ ‖H⁻¹‖·2 max|cω|·‖e_k‖``)."""
    d = draw(sizes(1, 4))
    a = draw(rotated_matrices(d, max_condition=max_condition, symmetric=True))
    smallest = float(np.min(np.linalg.eigvalsh(a)))
    omega = draw(dense_arrays(d, 0.5, 3.0))
    c = draw(dense_arrays(d, -1.0, 1.0)) * smallest / (8 * omega)
    b = draw(dense_arrays(d, -3.0, 3.0))
    theta0 = draw(dense_arrays(d, -3.0, 3.0))
    return a, b, c, omega, theta0


def _wiggly_args(problem: tuple, steps: int) -> tuple:
    a, b, c, omega, theta0 = problem
    return WigglyGradient(A=a, b=b, c=c, omega=omega), WigglyHessian(A=a, c=c, omega=omega), theta0, steps


@st.composite
def stationary_with_zero_hessian(draw: Any) -> tuple:
    """``θ0 = t``, the stationary point of ``Σ m (θ - t)⁴/4``, where ``g = 0`` and ``H = 0``."""
    d = draw(sizes(1, 4))
    t = draw(dense_arrays(d, -3.0, 3.0))
    m = draw(dense_arrays(d, 0.5, 2.0))
    return CubicGradient(m=m, t=t), CubicHessian(m=m, t=t), t.copy(), draw(st.integers(1, 5))


@st.composite
def exact_quadratic_landings(draw: Any) -> tuple:
    """A diagonal quadratic with power-of-two curvatures and dyadic ``b``, ``θ0``: the first
    step ``θ0 - A⁻¹(Aθ0 - b)`` is exact, lands on ``A⁻¹b`` and ``g`` is exactly 0 there."""
    d = draw(sizes(1, 4))
    a = np.diag(2.0 ** np.array(draw(st.lists(st.integers(-2, 3), min_size=d, max_size=d))))
    b = np.array(draw(st.lists(st.integers(-24, 24), min_size=d, max_size=d))) / 8.0
    theta0 = np.array(draw(st.lists(st.integers(-24, 24), min_size=d, max_size=d))) / 8.0
    return QuadraticGradient(A=a, b=b), QuadraticHessian(A=a), theta0, draw(st.integers(1, 5))


# Steps: 0 (only θ0) is an edge; most cases take several, where wrong steps show.
STEPS = st.sampled_from([3, 6, 1, 2, 4, 5, 0])
minimize_inputs = st.one_of(
    quadratic_problems(),
    st.tuples(wiggly_objectives(), STEPS).map(lambda pair: _wiggly_args(*pair)),
    st.tuples(wiggly_objectives(), STEPS).map(lambda pair: _wiggly_args(*pair)),
    stationary_with_zero_hessian(),
)


# -- newton.minimize ----------------------------------------------------------------------------

test_minimize_agrees_with_reference = agrees_with_reference("newton.minimize", minimize_inputs)


@prop("newton.minimize", "on a strictly convex quadratic one step lands on the minimizer A⁻¹b")
@given(args=quadratic_problems())
def test_minimize_one_step_solves_a_quadratic(subject: Any, args: tuple) -> None:
    grad_fn, _, theta0, steps = args
    iterates = subject(*args)
    minimizer = np.linalg.solve(grad_fn.A, grad_fn.b)
    # θ1 = θ0 - A⁻¹(Aθ0 - b): a backward-stable solve errs by ~κ(A)·u·(|θ0| + |θ*|) ≤ 1e-13 of
    # that scale (κ ≤ 100); 1e-9 is far above it and far below any wrong step.
    scale = 1 + float(np.max(np.abs(theta0))) + float(np.max(np.abs(minimizer)))
    assert_close(
        iterates[1:],
        np.tile(minimizer, (steps, 1)),
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL * scale,
        what="the iterates after the first step",
        expected_label="the minimizer A⁻¹b",
    )


@st.composite
def changes_of_variables(draw: Any) -> tuple:
    """A wiggly objective (A with condition ≤ 10) and an invertible, non-diagonal ``T`` with
    condition ≤ 4 (either sign of det): the transformed Hessians ``TᵀHT`` keep condition ≤ 200."""
    problem = draw(wiggly_objectives(max_condition=10.0))
    d = len(problem[4])
    t = draw(rotated_matrices(d, max_condition=4.0, symmetric=False))
    return problem, t, draw(st.integers(1, 6))


@prop("newton.minimize", "the iterates are invariant under an invertible linear change of variables θ = Tφ")
@given(setup=changes_of_variables())
def test_minimize_is_invariant_under_linear_change_of_variables(subject: Any, setup: tuple) -> None:
    (a, b, c, omega, theta0), t, steps = setup
    plain = subject(*_wiggly_args((a, b, c, omega, theta0), steps))
    phi0 = np.linalg.solve(t, theta0)
    transformed = subject(
        TransformedWigglyGradient(A=a, b=b, c=c, omega=omega, T=t),
        TransformedWigglyHessian(A=a, c=c, omega=omega, T=t),
        phi0,
        steps,
    )
    mapped_back = transformed @ t.T
    # Both runs are the same Newton iteration in exact arithmetic. In float64 each solve errs by
    # ~κ·u of the step (κ(TᵀHT) ≤ 200), mapped back through T (κ ≤ 4) and amplified at most
    # ~100-fold by the early steps of the contracting iteration: ≤ 1e-11 of the scale; 1e-9 is far above.
    scale = 1 + float(np.max(np.abs(plain)))
    assert_close(
        mapped_back,
        plain,
        rtol=FLOAT64_RTOL,
        atol=FLOAT64_RTOL * scale,
        what="T·φ_k from Newton on J(Tφ) started at T⁻¹θ0",
        expected_label="θ_k from Newton on J",
    )


@prop("newton.minimize", "once g = 0 exactly the iterates stay there (no solve with a singular Hessian)")
@given(args=st.one_of(stationary_with_zero_hessian(), exact_quadratic_landings()))
def test_minimize_stays_at_an_exact_stationary_point(subject: Any, args: tuple) -> None:
    grad_fn, _, theta0, steps = args
    iterates = subject(*args)
    assert_equal(iterates[0], theta0, what="the first iterate must be θ0")
    for k in range(steps):
        if not np.any(grad_fn(iterates[k]) != 0.0):
            assert_equal(
                iterates[k + 1],
                iterates[k],
                what=f"g(θ_{k}) = 0 exactly, so θ_{k + 1} must equal θ_{k} (Newton stays at a stationary point)",
            )
