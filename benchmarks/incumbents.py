"""The checks graders use today, re-implemented faithfully in NumPy.

Two incumbents, each a function ``(functions, formula_id, points) -> Verdict``
where ``functions`` maps formula IDs to the submission's own callables (the
reference fills in any formula the submission does not provide) and
``points`` are argument tuples in catalogue order.

(a) ``cs231n`` -- Stanford CS231n's ``gradient_check.py`` and ``rel_error``:

    eval_numerical_gradient(f, x, h=1e-5)          centered differences of a scalar f
    eval_numerical_gradient_array(f, x, df, h=1e-5)  Σ((f(x+h) - f(x-h)) ⊙ df) / 2h
    rel_error(x, y) = max |x - y| / max(1e-8, |x| + |y|)   (elementwise, then max)

    The loops are the course's: iterate over every index of x with np.nditer,
    modify x in place, evaluate, restore. A check passes when
    ``rel_error < CS231N_THRESHOLD = 1e-7``. CS231n's notes (Neural Networks 3,
    "Gradient checks") say: "relative error > 1e-2 usually means the gradient is
    probably wrong; 1e-2 > relative error > 1e-4 should make you feel
    uncomfortable; 1e-4 > relative error is usually okay for objectives with
    kinks ... 1e-7 and less you should be happy"; the assignment notebooks
    write "Errors should be around e-7 or less" (FullyConnectedNets, numeric
    gradient check) and "You should see relative errors around e-7 or less"
    (the SGD-momentum/RMSProp/Adam output checks, also by ``rel_error``). We
    use that bar, 1e-7, for every comparison, derivative or output.

(b) ``gradcheck`` -- ``torch.autograd.gradcheck`` (slow mode, its defaults):
    eps = 1e-6, atol = 1e-5, rtol = 1e-3. The numerical Jacobian is built one
    input entry at a time by central differences of the submission's OWN
    forward, ``(f(x + eps) - f(x - eps)) / 2 eps``; the analytical Jacobian one
    output entry at a time by calling the submission's backward with a unit
    upstream gradient (``vJ`` for each basis vector v), twice, and the two must
    be identical ("backward is not reentrant", nondet_tol = 0). The check
    passes when every entry satisfies ``|analytical - numerical| <= atol +
    rtol·|numerical|`` (``torch.allclose(analytical, numerical, rtol, atol)``),
    and the analytical gradient has the input's shape.

How each kind of formula is judged (both incumbents):

- **Derivative formulas** (gradients, Jacobians, Hessians, backward passes;
  :data:`DERIVATIVES`) are differentiated numerically and compared with the
  submission's derivative. The function differenced is the submission's own
  forward where the catalogue has one (``logistic.grad`` differences the
  submission's ``logistic.loss``; ``batchnorm.backward`` its
  ``batchnorm.forward``; ``logistic.hessian`` its ``logistic.grad``; an
  activation's ``_grad`` its activation) -- which is exactly their blind spot:
  a forward and a backward that are wrong together agree with each other. When
  the catalogue has no forward for the formula (``matcalc``, ``backprop``,
  ``losses``, ``least_squares.grad``), the stated loss is written here, as a
  grader would write it, stably. cs231n checks a scalar loss with
  ``eval_numerical_gradient`` and an array-valued forward with
  ``eval_numerical_gradient_array`` against the submission's vector-Jacobian
  product for an upstream gradient ``df`` (the drawn ``dy``/``G`` where the
  formula takes one, else ``np.random.randn``); gradcheck builds the whole
  Jacobian.
- **Every other formula** (forwards, losses, optimizers, Newton, fits,
  estimators, initializers, shapes) is graded as notebooks and autograders do
  it: the output is compared with the reference's output at a few random
  inputs -- cs231n by ``rel_error < 1e-7``; the gradcheck-style grader by
  ``allclose(got, expected, rtol=1e-3, atol=1e-5)`` (gradcheck's tolerances,
  shapes required equal as ``torch.testing.assert_close`` does). Where the
  reference raises (``shapes``' ``ValueError``), the submission must raise an
  exception of the same type.

The "few random points" are :data:`POINTS_PER_FORMULA` argument tuples drawn
from the formula's registered strategy (``registry.get(id).inputs``) by a tiny
Hypothesis run under ``@seed(seed)`` (deterministic for a given seed), chosen
among the first :data:`POOL` examples by ``numpy.random.default_rng(seed)``.
Submissions are called directly, as a notebook calls them: no copy of the
inputs beyond what the formula's own call needs, no check for mutation, and
any exception is a failure.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from reference import registry

__all__ = [
    "Verdict",
    "CS231N_H",
    "CS231N_THRESHOLD",
    "GRADCHECK_EPS",
    "GRADCHECK_ATOL",
    "GRADCHECK_RTOL",
    "POINTS_PER_FORMULA",
    "DERIVATIVES",
    "draw_points",
    "cs231n",
    "gradcheck",
    "rel_error",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "INCUMBENTS",
]

CS231N_H = 1e-5
CS231N_THRESHOLD = 1e-7
GRADCHECK_EPS = 1e-6
GRADCHECK_ATOL = 1e-5
GRADCHECK_RTOL = 1e-3
POINTS_PER_FORMULA = 3
POOL = 12


@dataclass
class Verdict:
    passed: bool
    detail: str = ""
    score: float = 0.0  # cs231n: the worst relative error seen (inf: raised or malformed)


class _Rejected(Exception):
    """The incumbent rejects the submission (its check failed)."""


# ----------------------------------------------------------------------------
# cs231n's gradient_check.py and rel_error, as the course ships them


def rel_error(x: Any, y: Any) -> float:
    """CS231n: ``np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y)))))


def eval_numerical_gradient(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float = CS231N_H) -> np.ndarray:
    """CS231n: a naive implementation of the numerical gradient of f at x
    (f takes one array and returns a number). x is modified in place and restored."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = CS231N_H
) -> np.ndarray:
    """CS231n: numerical gradient of a function that takes an array and returns
    an array, contracted with the upstream gradient ``df``."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = oldval - h
        neg = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = oldval
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


# ----------------------------------------------------------------------------
# Drawing "a few random points" deterministically from the registry's strategies

_POINTS_CACHE: dict[tuple[str, int, int], list[tuple]] = {}


def draw_points(formula_id: str, seed: int = 0, count: int = POINTS_PER_FORMULA) -> list[tuple]:
    """``count`` argument tuples from the formula's registered strategy,
    deterministic for a given ``seed``."""
    key = (formula_id, seed, count)
    if key not in _POINTS_CACHE:
        strategy = registry.get(formula_id).inputs
        if strategy is None:
            raise ValueError(f"{formula_id} has no registered input strategy (no agreement property yet)")
        drawn: list[tuple] = []

        @hypothesis_seed(seed)
        @settings(
            max_examples=POOL,
            database=None,
            deadline=None,
            derandomize=False,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(args=strategy)
        def collect(args: tuple) -> None:
            drawn.append(copy.deepcopy(args))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            collect()
        rng = np.random.default_rng(seed)
        chosen = sorted(rng.choice(len(drawn), size=min(count, len(drawn)), replace=False))
        _POINTS_CACHE[key] = [drawn[i] for i in chosen]
    return [copy.deepcopy(p) for p in _POINTS_CACHE[key]]


# ----------------------------------------------------------------------------
# What to differentiate for each derivative formula


@dataclass(frozen=True)
class Derivative:
    """How an incumbent checks one derivative formula.

    - ``params(args)``: the differentiated quantities, by name (arrays or floats),
      at the point ``args`` (the derivative formula's own arguments).
    - ``forward(own, args, params)``: the function differenced, evaluated with
      the given parameter values; ``own(id, *a)`` calls the submission's forward.
    - ``vjp(derivative, args, cot)``: the submission's derivative contracted
      with an upstream gradient ``cot`` shaped like the forward's output:
      a dict name -> array shaped like ``params[name]``.
    - ``upstream(args)``: the upstream gradient the formula itself takes
      (``dy``, ``G``), which cs231n uses as ``df``; None for the others.
    - ``source``: the forward's catalogue ID, or ``"stated loss"``.
    """

    params: Callable[[tuple], dict[str, Any]]
    forward: Callable[..., Any]
    vjp: Callable[[Callable[..., Any], tuple, Any], dict[str, Any]]
    source: str
    upstream: Callable[[tuple], Any] | None = None

    @property
    def kind(self) -> str:
        """``backward`` (takes an upstream gradient), ``elementwise`` (f'(x) of an
        elementwise f), ``jacobian`` (the whole Jacobian/Hessian) or ``gradient``
        (of a scalar; one result per parameter)."""
        if self.upstream is not None:
            return "backward"
        if self.vjp is _elementwise:
            return "elementwise"
        return getattr(self.vjp, "kind", "gradient")


def _gradient(names: tuple[str, ...]) -> Callable[[Callable[..., Any], tuple, Any], dict[str, Any]]:
    """A scalar forward's derivative formula returning one value per name (or one value)."""

    def vjp(derivative: Callable[..., Any], args: tuple, cot: Any) -> dict[str, Any]:
        out = derivative(*args)
        values = out if len(names) > 1 else (out,)
        if not isinstance(values, (tuple, list)) or len(values) != len(names):
            raise _Rejected(f"expected {len(names)} gradients, got {type(out).__name__}")
        return {n: float(cot) * np.asarray(v, dtype=np.float64) for n, v in zip(names, values)}

    return vjp


def _elementwise(derivative: Callable[..., Any], args: tuple, cot: Any) -> dict[str, Any]:
    return {"x": np.asarray(cot) * np.asarray(derivative(*args), dtype=np.float64)}


def _jacobian(params: Callable[[tuple], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A derivative formula returning the whole Jacobian J[out, in] (in: the
    params, flattened and concatenated in order)."""

    def vjp(derivative: Callable[..., Any], args: tuple, cot: Any) -> dict[str, Any]:
        cot_flat = _flatten(cot)
        shapes = {name: np.shape(value) for name, value in params(args).items()}
        counts = [int(np.prod(shape)) for shape in shapes.values()]
        jac = np.asarray(derivative(*args), dtype=np.float64).reshape(cot_flat.size, sum(counts))
        pieces = np.split(cot_flat @ jac, np.cumsum(counts)[:-1])
        return {name: piece.reshape(shape) for (name, shape), piece in zip(shapes.items(), pieces)}

    vjp.kind = "jacobian"  # type: ignore[attr-defined]
    return vjp


def _flatten(value: Any) -> np.ndarray:
    if isinstance(value, (tuple, list)):
        return np.concatenate([_flatten(v) for v in value]) if value else np.zeros(0)
    return np.asarray(value, dtype=np.float64).reshape(-1)


def _unflatten_like(vector: np.ndarray, template: Any) -> Any:
    if isinstance(template, (tuple, list)):
        out, start = [], 0
        for t in template:
            size = np.size(t)
            out.append(_unflatten_like(vector[start : start + size], t))
            start += size
        return tuple(out)
    if np.ndim(template) == 0:
        return float(vector[0])
    return vector.reshape(np.shape(template))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _sigmoid(z: Any) -> Any:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def _leaky(z: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(z > 0, z, alpha * z)


# The stated losses a grader writes for formulas without a catalogue forward.


def _mlp_loss(x, y, W1, b1, W2, b2, mask, alpha):  # noqa: ANN001, ANN202
    a = mask * _leaky(W1 @ x + b1, alpha)
    return float(-np.sum(y * _log_softmax(W2 @ a + b2)))


def _size(value: Any) -> int:
    return int(np.size(value))


DERIVATIVES: dict[str, Derivative] = {
    # -- logistic
    "logistic.grad": Derivative(
        params=lambda a: {"w": a[0], "b": a[1]},
        forward=lambda own, a, p: own("logistic.loss", p["w"], p["b"], a[2], a[3]),
        vjp=_gradient(("w", "b")),
        source="logistic.loss",
    ),
    "logistic.hessian": Derivative(
        params=lambda a: {"w": a[0], "b": a[1]},
        forward=lambda own, a, p: own("logistic.grad", p["w"], p["b"], a[2], a[3]),
        vjp=_jacobian(lambda a: {"w": a[0], "b": a[1]}),
        source="logistic.grad",
    ),
    # -- softmax
    "softmax.jacobian": Derivative(
        params=lambda a: {"z": a[0]},
        forward=lambda own, a, p: own("softmax.forward", p["z"]),
        vjp=_jacobian(lambda a: {"z": a[0]}),
        source="softmax.forward",
    ),
    "softmax.ce_grad": Derivative(
        params=lambda a: {"z": a[0]},
        forward=lambda own, a, p: own("softmax.ce_loss", p["z"], a[1]),
        vjp=_gradient(("z",)),
        source="softmax.ce_loss",
    ),
    "softmax.ce_hessian": Derivative(
        # The Hessian of the CE loss is the Jacobian of its gradient for any
        # probability vector y; the grader picks the uniform one.
        params=lambda a: {"z": a[0]},
        forward=lambda own, a, p: own("softmax.ce_grad", p["z"], np.full(np.shape(a[0]), 1.0 / _size(a[0]))),
        vjp=_jacobian(lambda a: {"z": a[0]}),
        source="softmax.ce_grad",
    ),
    "softmax.regression_grad": Derivative(
        params=lambda a: {"W": a[0], "b": a[1]},
        forward=lambda own, a, p: own("softmax.regression_loss", p["W"], p["b"], a[2], a[3]),
        vjp=_gradient(("W", "b")),
        source="softmax.regression_loss",
    ),
    # -- batchnorm: the forward's beta is not an argument of the backward; any value will do.
    "batchnorm.centered_backward": Derivative(
        params=lambda a: {"x": a[1]},
        forward=lambda own, a, p: own("batchnorm.centered_forward", p["x"], a[2], np.zeros_like(np.asarray(a[2], dtype=float))),
        vjp=lambda d, a, cot: {"x": np.asarray(d(cot, a[1], a[2]), dtype=np.float64)},
        source="batchnorm.centered_forward",
        upstream=lambda a: a[0],
    ),
    "batchnorm.backward": Derivative(
        params=lambda a: {"x": a[1], "gamma": a[2], "beta": np.zeros_like(np.asarray(a[2], dtype=float))},
        forward=lambda own, a, p: own("batchnorm.forward", p["x"], p["gamma"], p["beta"], a[3]),
        vjp=lambda d, a, cot: dict(zip(("x", "gamma", "beta"), _n_tuple(d(cot, a[1], a[2], a[3]), 3))),
        source="batchnorm.forward",
        upstream=lambda a: a[0],
    ),
    # -- losses (no catalogue forward: the stated losses, summed over elements)
    "losses.sigmoid_mse_grad": Derivative(
        params=lambda a: {"z": a[0]},
        forward=lambda own, a, p: float(np.sum(0.5 * (a[1] - _sigmoid(p["z"])) ** 2)),
        vjp=_gradient(("z",)),
        source="stated loss",
    ),
    "losses.sigmoid_ce_grad": Derivative(
        params=lambda a: {"z": a[0]},
        forward=lambda own, a, p: float(
            np.sum(a[1] * np.logaddexp(0.0, -np.asarray(p["z"])) + (1 - a[1]) * np.logaddexp(0.0, np.asarray(p["z"])))
        ),
        vjp=_gradient(("z",)),
        source="stated loss",
    ),
    # -- backprop
    "backprop.linear": Derivative(
        params=lambda a: {"x": a[2], "W": a[1]},
        forward=lambda own, a, p: np.asarray(p["W"]) @ np.asarray(p["x"]),
        vjp=lambda d, a, cot: dict(zip(("x", "W"), _n_tuple(d(cot, a[1], a[2]), 2))),
        source="stated loss",
        upstream=lambda a: a[0],
    ),
    "backprop.mlp_dW1": Derivative(
        params=lambda a: {"W1": a[2]},
        forward=lambda own, a, p: _mlp_loss(a[0], a[1], p["W1"], *a[3:]),
        vjp=_gradient(("W1",)),
        source="stated loss",
    ),
    "backprop.relu_regression": Derivative(
        params=lambda a: {"W": a[0], "b": a[1], "x": a[2]},
        forward=lambda own, a, p: float(np.sum((np.maximum(0.0, p["W"] @ p["x"] + p["b"]) - a[3]) ** 2)),
        vjp=_gradient(("W", "b", "x")),
        source="stated loss",
    ),
    "backprop.autoencoder": Derivative(
        params=lambda a: {"W": a[0]},
        forward=lambda own, a, p: float(0.5 * np.sum((p["W"].T @ p["W"] @ a[1] - a[1]) ** 2)),
        vjp=_gradient(("W",)),
        source="stated loss",
    ),
    "backprop.sigmoid_neuron": Derivative(
        params=lambda a: {"w": a[0], "x": a[1]},
        forward=lambda own, a, p: float(_sigmoid(p["w"][0] * p["x"][0] + p["w"][1] * p["x"][1] + p["w"][2])),
        vjp=_gradient(("w", "x")),
        source="stated loss",
    ),
    # -- matcalc (stated functions)
    "matcalc.quadratic_grad": Derivative(
        params=lambda a: {"x": a[1]},
        forward=lambda own, a, p: float(p["x"] @ a[0] @ p["x"]),
        vjp=_gradient(("x",)),
        source="stated loss",
    ),
    "matcalc.bilinear_grads": Derivative(
        params=lambda a: {"x": a[0], "y": a[2], "A": a[1]},
        forward=lambda own, a, p: float(p["x"] @ p["A"] @ p["y"]),
        vjp=_gradient(("x", "y", "A")),
        source="stated loss",
    ),
    "matcalc.det_grad": Derivative(
        params=lambda a: {"K": a[0]},
        forward=lambda own, a, p: float(np.linalg.det(p["K"])),
        vjp=_gradient(("K",)),
        source="stated loss",
    ),
    "matcalc.logdet_grad": Derivative(
        params=lambda a: {"K": a[0]},
        forward=lambda own, a, p: float(np.linalg.slogdet(p["K"])[1]),
        vjp=_gradient(("K",)),
        source="stated loss",
    ),
    "matcalc.trace_grad": Derivative(
        params=lambda a: {"W": a[0]},
        forward=lambda own, a, p: float(np.trace(p["W"] @ a[1])),
        vjp=_gradient(("W",)),
        source="stated loss",
    ),
    "matcalc.trace_quadratic_grad": Derivative(
        params=lambda a: {"W": a[0]},
        forward=lambda own, a, p: float(np.trace(p["W"] @ a[1] @ p["W"].T)),
        vjp=_gradient(("W",)),
        source="stated loss",
    ),
    "matcalc.norm_grad": Derivative(
        params=lambda a: {"p": a[0]},
        forward=lambda own, a, p: float(np.sqrt(np.sum(np.asarray(p["p"]) ** 2))),
        vjp=_gradient(("p",)),
        source="stated loss",
    ),
    "matcalc.inverse_backward": Derivative(
        params=lambda a: {"K": a[0]},
        forward=lambda own, a, p: np.linalg.inv(p["K"]),
        vjp=lambda d, a, cot: {"K": np.asarray(d(a[0], cot), dtype=np.float64)},
        source="stated loss",
        upstream=lambda a: a[1],
    ),
    # -- least squares
    "least_squares.grad": Derivative(
        params=lambda a: {"theta": a[0]},
        forward=lambda own, a, p: float(0.5 * np.sum((a[2] - a[1] @ p["theta"]) ** 2)),
        vjp=_gradient(("theta",)),
        source="stated loss",
    ),
    # -- dropout
    "dropout.gaussian_expected_grad": Derivative(
        params=lambda a: {"W": a[0]},
        forward=lambda own, a, p: own("dropout.gaussian_objective", p["W"], a[1], a[2], a[3]),
        vjp=_gradient(("W",)),
        source="dropout.gaussian_objective",
    ),
}

# Elementwise activations: each _grad is checked against its own forward.
for _name, _extra in [
    ("sigmoid", 0), ("tanh", 0), ("relu", 0), ("leaky_relu", 1), ("elu", 1), ("softplus", 0),
]:
    DERIVATIVES[f"activations.{_name}_grad"] = Derivative(
        params=lambda a: {"x": a[0]},
        forward=(lambda fid: lambda own, a, p: own(fid, p["x"], *a[1:]))(f"activations.{_name}"),
        vjp=_elementwise,
        source=f"activations.{_name}",
    )


def _n_tuple(value: Any, n: int) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise _Rejected(f"expected a tuple of {n} gradients, got {type(value).__name__}")
    return tuple(value)


# ----------------------------------------------------------------------------
# Plumbing shared by both incumbents


def _caller(functions: Mapping[str, Callable[..., Any]]) -> Callable[..., Any]:
    def own(formula_id: str, *args: Any) -> Any:
        fn = functions.get(formula_id) or registry.get(formula_id).reference
        return fn(*args)

    return own


def _as_param(value: Any) -> np.ndarray:
    """A differentiated quantity as a float64 array the loops can modify in place
    (a Python float becomes a 0-d array)."""
    return np.array(value, dtype=np.float64, copy=True)


def _restore(value: np.ndarray, template: Any) -> Any:
    """Hand the forward a float where the catalogue passes a float."""
    return float(value) if not isinstance(template, np.ndarray) and np.ndim(template) == 0 else value


def _judge(check: Callable[[], str | None]) -> Verdict:
    """Run a check; any exception (the submission's or from comparing malformed
    output) is a rejection, as a notebook cell that raises is a failure."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            problem = check()
        except _Rejected as rejected:
            return Verdict(False, str(rejected))
        except Exception as exc:  # noqa: BLE001 - the submission's code raised
            return Verdict(False, f"raised {type(exc).__name__}: {exc}")
    return Verdict(problem is None, problem or "")


def _reference_output(formula_id: str, args: tuple) -> tuple[Any, BaseException | None]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return registry.get(formula_id).reference(*copy.deepcopy(args)), None
        except Exception as exc:  # noqa: BLE001
            return None, exc


def _output_errors(
    formula_id: str,
    fn: Callable[..., Any],
    points: list[tuple],
    error: Callable[[Any, Any], float],
) -> Iterator[tuple[int, float, str]]:
    """For each point: (index, error of the output against the reference's, what).
    A missing exception, a raised one or a wrong tuple structure is an infinite error."""
    for index, args in enumerate(points):
        expected, expected_exc = _reference_output(formula_id, args)
        call_args = copy.deepcopy(args)
        if expected_exc is not None:
            try:
                fn(*call_args)
            except type(expected_exc):
                yield index, 0.0, ""
                continue
            yield index, np.inf, f"expected {type(expected_exc).__name__}"
            continue
        got = fn(*call_args)
        yield index, _structured_error(got, expected, error), "output differs from the reference"


def _structured_error(got: Any, expected: Any, error: Callable[[Any, Any], float]) -> float:
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return np.inf
        return max((_structured_error(g, e, error) for g, e in zip(got, expected)), default=0.0)
    value = error(got, expected)
    return np.inf if np.isnan(value) else value


# ----------------------------------------------------------------------------
# (a) cs231n


def cs231n_errors(
    functions: Mapping[str, Callable[..., Any]], formula_id: str, points: list[tuple], seed: int = 0
) -> Iterator[tuple[int, float, str]]:
    """Every relative error a CS231n notebook prints for ``formula_id``:
    (point index, rel_error, what was compared)."""
    fn = functions[formula_id]
    spec = DERIVATIVES.get(formula_id)
    if spec is None:
        yield from _output_errors(formula_id, fn, points, rel_error)
        return
    own = _caller(functions)
    rng = np.random.RandomState(seed)  # the notebooks seed np.random and draw dout with randn
    for index, args in enumerate(points):
        args = copy.deepcopy(args)
        templates = spec.params(args)
        params = {name: _as_param(value) for name, value in templates.items()}

        def evaluate(current: dict[str, np.ndarray]) -> Any:
            return spec.forward(own, args, {n: _restore(v, templates[n]) for n, v in current.items()})

        out = evaluate(params)
        scalar = not isinstance(out, (tuple, list)) and np.ndim(out) == 0
        if spec.upstream is not None:
            df = np.asarray(spec.upstream(args), dtype=np.float64)
        elif scalar:
            df = np.float64(1.0)
        else:
            df = _unflatten_like(rng.randn(_flatten(out).size), out)
        analytical = spec.vjp(fn, copy.deepcopy(args), df)
        for name, x in params.items():
            if scalar:
                numerical = eval_numerical_gradient(lambda v: float(evaluate({**params, name: v})), x)
            else:
                df_flat = _flatten(df)
                numerical = eval_numerical_gradient_array(lambda v: _flatten(evaluate({**params, name: v})), x, df_flat)
            # As the notebooks print it: rel_error(dx_num, dx), broadcasting and all.
            value = rel_error(numerical, analytical[name])
            yield index, (np.inf if np.isnan(value) else value), f"d{name}"


def cs231n(
    functions: Mapping[str, Callable[..., Any]],
    formula_id: str,
    points: list[tuple],
    seed: int = 0,
    threshold: float = CS231N_THRESHOLD,
) -> Verdict:
    """Grade ``formula_id`` of ``functions`` as a CS231n notebook would: every
    relative error below ``threshold``. ``Verdict.score`` is the worst one
    (infinite when the submission raised or returned the wrong structure), so
    other thresholds can be read off the same run."""
    worst: list[Any] = [0.0, ""]

    def check() -> str | None:
        for index, error, what in cs231n_errors(functions, formula_id, points, seed):
            if error >= worst[0]:
                worst[:] = [error, f"point {index}: {what} relative error {error:.2e}"]
        return worst[1] if not worst[0] < threshold else None

    verdict = _judge(check)
    raised = not verdict.passed and verdict.detail != worst[1]
    verdict.score = np.inf if raised else worst[0]
    return verdict


# ----------------------------------------------------------------------------
# (b) torch.autograd.gradcheck


def _gradcheck_error(got: Any, expected: Any) -> float:
    """0 when ``allclose(got, expected, rtol, atol)`` with equal shapes, else 1."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    ok = got.shape == expected.shape and bool(
        np.all(np.abs(got - expected) <= GRADCHECK_ATOL + GRADCHECK_RTOL * np.abs(expected))
    )
    return 0.0 if ok else 1.0


def gradcheck(functions: Mapping[str, Callable[..., Any]], formula_id: str, points: list[tuple], seed: int = 0) -> Verdict:
    """Grade ``formula_id`` of ``functions`` as ``torch.autograd.gradcheck`` would
    (derivative formulas), or by comparing outputs with its tolerances."""
    fn = functions[formula_id]
    spec = DERIVATIVES.get(formula_id)
    if spec is None:
        def compare() -> str | None:
            for index, error, what in _output_errors(formula_id, fn, points, _gradcheck_error):
                if error > 0:
                    return f"point {index}: {what}"
            return None

        return _judge(compare)
    own = _caller(functions)

    def check() -> str | None:
        for index, args in enumerate(points):
            args = copy.deepcopy(args)
            templates = spec.params(args)
            params = {name: _as_param(value) for name, value in templates.items()}

            def evaluate() -> np.ndarray:
                return _flatten(spec.forward(own, args, {n: _restore(v, templates[n]) for n, v in params.items()}))

            out_template = spec.forward(own, args, {n: _restore(v, templates[n]) for n, v in params.items()})
            n_out = _flatten(out_template).size
            # Numerical Jacobian, column by column (gradcheck: x - eps first, then x + eps).
            numerical_columns = []
            for name, x in params.items():
                flat = x.reshape(-1)
                for i in range(flat.size):
                    orig = flat[i]
                    flat[i] = orig - GRADCHECK_EPS
                    outa = evaluate()
                    flat[i] = orig + GRADCHECK_EPS
                    outb = evaluate()
                    flat[i] = orig
                    numerical_columns.append((outb - outa) / (2 * GRADCHECK_EPS))
            numerical = np.stack(numerical_columns, axis=1) if numerical_columns else np.zeros((n_out, 0))
            # Analytical Jacobian, row by row (one backward per output entry), twice.
            analytical = []
            for attempt in range(2):
                rows = []
                for o in range(n_out):
                    basis = np.zeros(n_out)
                    basis[o] = 1.0
                    cot = _unflatten_like(basis, out_template)
                    grads = spec.vjp(fn, copy.deepcopy(args), cot)
                    pieces = []
                    for name, x in params.items():
                        g = np.asarray(grads[name], dtype=np.float64)
                        if g.shape != x.shape and not (g.size == 1 and x.size == 1):
                            return f"point {index}: gradient for {name} has shape {g.shape}, expected {x.shape}"
                        pieces.append(g.reshape(-1))
                    rows.append(np.concatenate(pieces))
                analytical.append(np.stack(rows) if rows else np.zeros((0, numerical.shape[1])))
            if not np.array_equal(analytical[0], analytical[1]):
                return f"point {index}: backward is not reentrant (two calls gave different gradients)"
            a, n = analytical[0], numerical
            if not np.all(np.abs(a - n) <= GRADCHECK_ATOL + GRADCHECK_RTOL * np.abs(n)):
                worst = float(np.max(np.abs(a - n)))
                return f"point {index}: Jacobian mismatch (max abs difference {worst:.2e})"
        return None

    return _judge(check)


INCUMBENTS: dict[str, Callable[..., Verdict]] = {"cs231n": cs231n, "gradcheck": gradcheck}
