"""The catalogue's text, kept with the code it describes: the submission
contract, the conventions that apply everywhere, and per family and formula
the result, the formula and the invariants.

``python -m reference --markdown > docs/catalogue.md`` renders it together
with what the registry knows (every formula ID, the reference's signature, the
properties and their claims, the reference modules' notes), so the document a
library author or a student reads is the suite itself, and a meta-test keeps
the committed file equal to the output. Edit the text here (or a property's
claim, or a reference docstring), then regenerate.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Family", "Entry", "FAMILIES", "ENTRIES", "INTRODUCTION", "call_signature", "markdown"]


@dataclass(frozen=True)
class Family:
    title: str  # what the family is, and the seeds it comes from
    conventions: str  # shapes and conventions of the family's arguments
    invariants: str  # what every correct implementation satisfies


@dataclass(frozen=True)
class Entry:
    result: str  # what the formula returns (shape or type)
    formula: str  # the formula, in the catalogue's notation


INTRODUCTION = """\
# The formula catalogue

This is the contract of gradoracle: every formula of introductory deep learning
that the suite checks, with a stable ID, a canonical Python signature, its
conventions, the invariants a correct implementation must satisfy, and the
properties that check them. The formulas come from handwritten homework and
lecture derivations (cited as "seed 000" to "seed 004"); where the seeds
disagree or are silent, this catalogue decides, following the textbook
convention (Goodfellow, Bengio & Courville, *Deep Learning*), and `DECISIONS.md`
records why. The reference implementations in `reference/` implement exactly
these signatures; the properties in `properties/` check any implementation of
them.

## The submission contract

A submission is a Python file (path), a package folder or an importable module
name. For a formula `family.name` the grader looks for, in this order:

1. a module-level dict `FORMULAS` with the key `"family.name"`;
2. a module-level callable named `family_name` (the ID with `.` replaced by `_`).

A formula the submission does not provide is reported as *missing*, never as
passed. Inputs are NumPy `float64` arrays (or Python scalars/ints where stated);
a submission may return anything that `numpy.asarray` turns into numbers of the
right shape (NumPy arrays, lists, Python floats, 0-d arrays), and tuples where a
tuple is specified. A submission must not mutate its inputs. The grader passes
every argument of a signature, **positionally**, in the order written here, so
parameter names and defaults in a submission do not matter (defaults shown
below are the reference's).

Grading a submission (the options are registered by the installed pytest
plugin, so this works from any folder):

    pytest --pyargs properties --impl PATH_OR_MODULE [--formula GLOB]... [--grade-json PATH] [-n auto]

- without `--impl` the suite checks the reference implementations themselves;
- a module name is imported as `python -c "import MODULE"` would from the
  current folder (the current folder, then `PYTHONPATH`);
- `--formula` selects formula IDs by shell-style glob (repeatable), e.g.
  `--formula 'batchnorm.*'`;
- `--grade-json PATH` writes a Gradescope-compatible `results.json`, one test
  per formula;
- the exit status is non-zero when any graded formula fails.

From Python, `gradoracle.assert_formula(formula_id, fn)` checks one function
against every property of its formula (see `docs/ci-oracle.md`).

## Conventions that apply everywhere

- `σ(z) = 1 / (1 + e^{-z})`; `log` is natural.
- Losses over a batch are **sums** where the seed sums (logistic, single
  neuron) and **means** where the seed averages (softmax regression); each
  entry says which.
- Shapes: a batch is the first axis. `(n, d)` means n examples of d features.
- A "probability vector" is non-negative and sums to 1; a one-hot vector is one.
- Implementations must be numerically sound on the domain stated in each
  entry: no `nan` or `inf` where the true value is finite. A floating-point
  warning alone (say, `exp` overflowing inside a correct `1/(1+exp(-x))`) is
  reported in the output but does not fail the formula.
- Inputs are `float64` and results are expected in `float64` precision:
  agreement with the reference to about 1e-6 relative, scaled by the
  formula's conditioning. Computing in `float32` is a precision bug, unless
  the implementation is checked in float32 on purpose (`--dtype float32`, or
  `dtype="float32"` in the API), where inputs are float32 and the tolerances
  follow from float32's precision.
"""


def call_signature(fn: Callable[..., Any]) -> str:
    """``fn``'s parameters as the catalogue writes them: names and defaults,
    no annotations, e.g. ``(x, alpha=0.01)``."""
    signature = inspect.signature(fn)
    plain = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=plain, return_annotation=inspect.Signature.empty))


def _cell(text: str) -> str:
    """Table cells: a ``|`` (as in ``log|det K|``) would end the cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _module_notes(module: Any) -> str:
    """The reference module's docstring after its first paragraph (which only
    names the family): its decisions where the catalogue is silent."""
    doc = inspect.getdoc(module) or ""
    _, _, rest = doc.partition("\n\n")
    return rest.strip()


def markdown() -> str:
    """The catalogue as Markdown, from this module's text and the registry."""
    import importlib

    from reference import registry

    registry.load_properties()
    by_family: dict[str, list[Any]] = {}
    for entry in registry.all_formulas():
        by_family.setdefault(entry.family, []).append(entry)
    missing_text = sorted(set(registry.ids()) - set(ENTRIES)) + sorted(set(by_family) - set(FAMILIES))
    unknown_text = sorted(set(ENTRIES) - set(registry.ids())) + sorted(set(FAMILIES) - set(by_family))
    if missing_text or unknown_text:
        raise ValueError(
            "reference/catalogue.py and the registry disagree: "
            f"no text for {missing_text}; text for unknown {unknown_text}"
        )
    lines = [
        "<!-- Generated by `python -m reference --markdown > docs/catalogue.md` from reference/catalogue.py",
        "     and the registry; do not edit by hand (meta_tests/test_catalogue_doc.py checks it). -->",
        "",
        INTRODUCTION.rstrip(),
        "",
        "## Formula index",
        "",
    ]
    for family in FAMILIES:
        ids = ", ".join(f"`{entry.id}`" for entry in by_family[family])
        lines.append(f"- [{family}](#{family}): {ids}")
    total_properties = sum(len(e.properties) for e in registry.all_formulas())
    lines += [
        "",
        f"{len(registry.ids())} formulas, {total_properties} properties.",
    ]
    for family, text in FAMILIES.items():
        heading = f"{family} {text.title}" if text.title.startswith("(") else f"{family} — {text.title}"
        lines += ["", f'<a id="{family}"></a>', "", f"## {heading}", ""]
        if text.conventions:
            lines += [text.conventions, ""]
        lines += ["| ID | signature → result | formula |", "|---|---|---|"]
        for entry in by_family[family]:
            info = ENTRIES[entry.id]
            signature = f"{call_signature(entry.reference)} → {info.result}"
            lines.append(f"| `{entry.id}` | `{_cell(signature)}` | {_cell(info.formula)} |")
        lines += ["", f"Invariants: {text.invariants}"]
        notes = _module_notes(importlib.import_module(f"reference.{family}"))
        if notes:
            lines += ["", f"Notes from the reference (`reference/{family}.py`):", "", notes]
        lines += ["", "Properties checked (each must hold on every input Hypothesis draws):"]
        for entry in by_family[family]:
            lines += ["", f"- `{entry.id}`{call_signature(entry.reference)}:"]
            for prop in sorted(entry.properties, key=lambda p: p.name):
                lines.append(f"  - {prop.claim} (`{prop.name}`)")
    return "\n".join(lines) + "\n"


FAMILIES: dict[str, Family] = {
    'logistic': Family(
        title='single sigmoid neuron with cross-entropy (seeds 000, 001, 003, 004)',
        conventions="""Model: `ŷ_n = σ(x_n · w + b)`; `x: (n, d)`, `w: (d,)`, `b: float`, `y: (n,)` with
entries in `[0, 1]` (labels usually 0/1).""",
        invariants="""the loss is ≥ 0 and finite for `|x·w+b|` up to 1e4; the gradient
is the derivative of the loss; the Hessian is symmetric, PSD, equals the
Jacobian of the gradient, and does not depend on `y`; the loss is convex along
any line; a small enough step decreases the loss; on data whose labels are all
1 the gradient never vanishes and `b` grows without bound (seed 003).""",
    ),
    'softmax': Family(
        title='softmax and cross-entropy (seeds 000, 001, 002, 003, 004)',
        conventions="""`z: (K,)` logits (forward also accepts `(..., K)`), `p = softmax(z)`,
`y: (K,)` probability vector.""",
        invariants="""`p` is a probability vector, invariant to adding a constant to
`z`, finite for `|z|` up to 1e4; every column and row of the Jacobian sums to
0; the CE gradient sums to 0; the CE Hessian is symmetric PSD, `H·1 = 0`, rank
≤ K-1, and `vᵀHv` equals the variance of `v` under `p`; the gradient and
Hessian are the derivatives of the loss.""",
    ),
    'batchnorm': Family(
        title='batch normalization (seeds 000, 001, 004: centering only; 002: full)',
        conventions="""`x: (n, f)` (also `(n,)` as one feature), statistics over axis 0, `gamma`,
`beta`: `(f,)` (scalars when x is `(n,)`), `dy = ∂L/∂y` of x's shape;
`dgamma`, `dbeta` have gamma's shape. `eps > 0`, except where an invariant
below says `eps = 0` (then n ≥ 2 and no feature is constant). Sound for
features whose mean is up to 1e6 times their standard deviation.""",
        invariants="""`Σ_i dx_i = 0` per feature; for `n = 1`, `dx = 0` (seed: dL/dx = 0
when n = 1); as n grows with bounded `dy`, centered `dx → γ dy`; the backward
is the derivative of the forward; with `eps = 0` the full forward is invariant
to `x → a x + c` (a > 0) and `Σ_i dx_i x̂_i = 0`; the output has mean `β` and
(full, eps = 0) variance `γ²` per feature.""",
    ),
    'activations': Family(
        title='(seed 002; leaky ReLU also seed 004, ELU seed 002 HW3)',
        conventions='Elementwise on any shape. `alpha` defaults: leaky ReLU 0.01, ELU 1.0.',
        invariants="""each `_grad` is the derivative of its forward away from kinks, and
follows the stated convention at the kink; `σ' ≤ 1/4`, `tanh' ≤ 1`;
`tanh x = 2σ(2x) - 1`; all finite for `|x|` up to 1e4; sigmoid and tanh are odd/
symmetric as expected (`σ(-x) = 1 - σ(x)`).""",
    ),
    'losses': Family(
        title='output losses for a sigmoid unit (seed 002, seed 003)',
        conventions='',
        invariants="""each is the derivative of its loss; finite for `|z|` up to 1e4;
saturation: with `y = 1` and `z → -∞` the MSE gradient vanishes while the CE
gradient tends to -1.""",
    ),
    'backprop': Family(
        title='gradients of small networks (seeds 002, 004)',
        conventions='',
        invariants="""each equals the numerical gradient of its stated loss (away from
ReLU kinks); a zero mask gives `dW1 = 0`; gradients are linear in `dy`.""",
    ),
    'matcalc': Family(
        title='vector and matrix derivatives (seed 002)',
        conventions='',
        invariants="""each equals the numerical derivative, on **non-symmetric**
matrices too (a missing transpose must be caught); `det_grad` and
`inverse_backward` on well-conditioned matrices only.""",
    ),
    'least_squares': Family(
        title='linear regression (seeds 002, 003)',
        conventions='',
        invariants="""the gradient vanishes at the fit; the residual is orthogonal to
the columns of X; the fit is exact on noiseless data; on the XOR data with a
bias column it gives `w = 0, b = ½` (seed 003, Goodfellow §6.1).""",
    ),
    'mle': Family(
        title='maximum likelihood (seed 002)',
        conventions='',
        invariants="""the log-likelihood's gradient vanishes at the estimate and any
perturbation lowers the likelihood; estimates are invariant to reordering.""",
    ),
    'dropout': Family(
        title='(seeds 000, 001, 004 Gaussian dropout; 002 inverted dropout)',
        conventions="""Gaussian dropout on a linear unit: `J1 = ½ (y_d - Σ_k δ_k W_k x_k)²`,
`δ_k ~ N(1, σ²)` independent; `W, x: (n,)`.""",
        invariants="""the expected gradient is the gradient of the objective; the
objective equals `E[J1]` (checkable by Monte Carlo within a statistical bound);
`σ = 0` gives the plain gradient; inverted dropout preserves the expectation
over masks.""",
    ),
    'regularization': Family(
        title='(seed 002)',
        conventions='',
        invariants="""the L2 step equals a gradient step on `J + (α/2)‖w‖²`; smoothed
labels are a probability vector with argmax kept for ε < (K-1)/K; clipping
never raises the norm, keeps the direction, and is the identity below `c`.""",
    ),
    'optimizers': Family(
        title='(seed 002)',
        conventions="""Every optimizer takes `grad_fn` (a callable `theta → gradient`), `theta0: (d,)`,
`steps: int` and its hyper-parameters, and returns the iterates
`(steps + 1, d)`, starting with `theta0`. All state starts at zero; `t` counts
from 1. `delta` defaults to 1e-7 and sits **outside** the square root.""",
        invariants="""momentum with α = 0 is SGD; `v_t = -lr Σ_k α^{t-k} g_k`; Nesterov
equals momentum under a constant gradient; AdaGrad's per-coordinate step size
never grows; with bias correction and a constant gradient Adam moves each
coordinate by ≈ `lr` per step from the first step on; AdaGrad, RMSProp and Adam
are invariant to rescaling the gradient (as δ → 0); SGD on `½θᵀAθ` follows
`(I - lr A)ᵗ θ0`; each converges on a convex quadratic with a small enough
step.""",
    ),
    'newton': Family(
        title="Newton's method (seeds 000, 001, 002, 004)",
        conventions='',
        invariants="""near a simple root the error obeys `|e_{k+1}| ≤ C |e_k|²` with
`C ≈ |f''(x*) / (2 f'(x*))|` (quadratic convergence, observed order → 2); on a
strictly convex quadratic objective one step lands on the minimizer; Newton's
iterates are invariant under an invertible linear change of variables.""",
    ),
    'init': Family(
        title='weight initialization (seed 002)',
        conventions='',
        invariants="""sample mean and variance within statistical bounds of the stated
values; the same generator state gives the same weights; a square Xavier layer
preserves the variance of its input on average.""",
    ),
    'shapes': Family(
        title='layer arithmetic (seed 002)',
        conventions='',
        invariants="""padding `(f-1)/2` with stride 1 keeps the size; results are
integers (an integral float such as `5.0` is accepted); the seed's worked numbers hold: a 7×7 input with a 3×3 filter and no
padding accepts strides 1, 2 and 4 and rejects 3; LeNet C1 (32×32 input, six
5×5 filters) gives 28×28×6 and 122,304 connections; a 32×32×3 input with 100
filters of 4×4×3 gives 29×29×100 and 4,900 parameters; `[3, 4, 2]` has 26
parameters.""",
    ),
}

ENTRIES: dict[str, Entry] = {
    'activations.elu': Entry(result='same shape as x', formula='`x if x ≥ 0 else α(eˣ - 1)`'),
    'activations.elu_grad': Entry(result='same shape as x', formula='`1 if x ≥ 0 else αeˣ`'),
    'activations.leaky_relu': Entry(result='same shape as x', formula='`x if x > 0 else αx`'),
    'activations.leaky_relu_grad': Entry(result='same shape as x', formula='`1 if x > 0 else α`'),
    'activations.relu': Entry(result='same shape as x', formula='`max(0, x)`'),
    'activations.relu_grad': Entry(result='same shape as x', formula='`1 if x > 0 else 0`'),
    'activations.sigmoid': Entry(result='same shape as x', formula='`σ(x)`'),
    'activations.sigmoid_grad': Entry(result='same shape as x', formula='`σ(x)(1-σ(x))`'),
    'activations.softplus': Entry(result='same shape as x', formula='`log(1 + eˣ)`'),
    'activations.softplus_grad': Entry(result='same shape as x', formula='`σ(x)`'),
    'activations.tanh': Entry(result='same shape as x', formula='`tanh x`'),
    'activations.tanh_grad': Entry(result='same shape as x', formula='`1 - tanh² x`'),
    'backprop.autoencoder': Entry(result='dW', formula='`L = ½ ‖Wᵀ W x - x‖²`, `W: (k, d)`, `r = WᵀWx - x`: `dW = W r xᵀ + W x rᵀ`'),
    'backprop.linear': Entry(result='(dx, dW)', formula='for `y = W x`, `W: (m, k)`, `x: (k,)` or `(k, p)`: `dx = Wᵀ dy`, `dW = dy xᵀ`'),
    'backprop.mlp_dW1': Entry(result='dW1', formula="`z1 = W1 x + b1`, `a = mask ⊙ leaky_relu(z1, α)`, `z2 = W2 a + b2`, `L = -Σ y log softmax(z2)`: `dW1 = [(W2ᵀ(softmax(z2) - y)) ⊙ mask ⊙ leaky_relu'(z1)] xᵀ`; `x: (dx,)`, `W1: (h, dx)`, `W2: (K, h)`, `y: (K,)` probability vector, `mask: (h,)` non-negative"),
    'backprop.relu_regression': Entry(result='(dW, db, dx)', formula='`L = ‖relu(W x + b) - z‖²`; with `a = Wx + b`, `δ = 1(a > 0) ⊙ 2(relu(a) - z)`: `dW = δ xᵀ`, `db = δ`, `dx = Wᵀ δ`'),
    'backprop.sigmoid_neuron': Entry(result='(dw (3,), dx (2,))', formula='`L = σ(w0 x0 + w1 x1 + w2)`: `dw = s(1-s)[x0, x1, 1]`, `dx = s(1-s)[w0, w1]`'),
    'batchnorm.backward': Entry(result='(dx, dgamma, dbeta)', formula='`dx = γ/(n√(σ²+ε)) (n dy - Σ dy - x̂ Σ dy x̂)`, `dgamma = Σ dy x̂`, `dbeta = Σ dy`'),
    'batchnorm.centered_backward': Entry(result='dx', formula='`dx_i = γ (dy_i - (1/n) Σ_j dy_j)`'),
    'batchnorm.centered_forward': Entry(result='y', formula='`y = γ (x - μ) + β`, `μ = mean(x)`'),
    'batchnorm.forward': Entry(result='y', formula='`x̂ = (x - μ)/√(σ² + ε)`, `σ²` the biased (1/n) variance, `y = γ x̂ + β`'),
    'dropout.gaussian_expected_grad': Entry(result='(n,)', formula='`E[∂J1/∂W] = (Σ W_k x_k - y_d) x + σ² x² W`'),
    'dropout.gaussian_objective': Entry(result='float', formula='`½ (y_d - Σ W_k x_k)² + (σ²/2) Σ x_k² W_k²`'),
    'dropout.inverted': Entry(result="h's shape", formula='`h ⊙ mask / (1 - p)`; `mask ∈ {0,1}` keeps a unit with probability 1 - p'),
    'init.he_normal': Entry(result='(n_out, n_in)', formula='samples `N(0, 2/n_in)`'),
    'init.he_variance': Entry(result='float', formula='`2 / n_in`'),
    'init.xavier_normal': Entry(result='(n_out, n_in)', formula='samples `N(0, 2/(n_in + n_out))` from the given `numpy.random.Generator`'),
    'init.xavier_variance': Entry(result='float', formula='`2 / (n_in + n_out)`'),
    'least_squares.fit': Entry(result='theta', formula='minimizer of `½‖y - Xθ‖²`: `θ = (XᵀX)⁻¹ Xᵀ y`, X of full column rank'),
    'least_squares.fit_multi': Entry(result='W', formula='columns are examples: `X: (m, n)`, `Y: (p, n)`, minimizer of `½‖Y - WX‖²_F`: `W = Y Xᵀ (X Xᵀ)⁻¹`'),
    'least_squares.grad': Entry(result='(d,)', formula='`XᵀXθ - Xᵀy`'),
    'logistic.gd_step': Entry(result="(w', b')", formula='`w - lr·dw`, `b - lr·db`'),
    'logistic.grad': Entry(result='(dw (d,), db float)', formula='`dw = Σ (ŷ_n - y_n) x_n`, `db = Σ (ŷ_n - y_n)`'),
    'logistic.hessian': Entry(result='(d+1, d+1)', formula='`Σ ŷ(1-ŷ) [x_n;1][x_n;1]ᵀ`, parameter order `(w_1..w_d, b)`'),
    'logistic.loss': Entry(result='float', formula='`E = -Σ_n [y_n ln ŷ_n + (1-y_n) ln(1-ŷ_n)]` (sum)'),
    'losses.sigmoid_ce_grad': Entry(result='same shape', formula='derivative of `-[y log σ(z) + (1-y) log(1-σ(z))]`: `σ(z) - y`'),
    'losses.sigmoid_mse_grad': Entry(result='same shape', formula='derivative of `½ (y - σ(z))²`: `-(y - σ(z)) σ(z)(1 - σ(z))`'),
    'matcalc.bilinear_grads': Entry(result='(dx, dy, dA)', formula='`f = xᵀ A y`: `A y`, `Aᵀ x`, `x yᵀ`'),
    'matcalc.det_grad': Entry(result='(n, n)', formula='`∂ det K/∂K = det(K) K⁻ᵀ` (signed determinant)'),
    'matcalc.inverse_backward': Entry(result='(n, n)', formula='given `G = ∂L/∂(K⁻¹)`: `∂L/∂K = -K⁻ᵀ G K⁻ᵀ`'),
    'matcalc.logdet_grad': Entry(result='(n, n)', formula='`∂ log|det K| / ∂K = K⁻ᵀ`'),
    'matcalc.norm_grad': Entry(result='(n,)', formula='`∂‖p‖₂/∂p = p / ‖p‖₂` (p ≠ 0)'),
    'matcalc.quadratic_grad': Entry(result='(n,)', formula='`∂(xᵀAx)/∂x = (A + Aᵀ) x`'),
    'matcalc.trace_grad': Entry(result="W's shape", formula='`∂ tr(W A)/∂W = Aᵀ`'),
    'matcalc.trace_quadratic_grad': Entry(result="W's shape", formula='`∂ tr(W A Wᵀ)/∂W = W Aᵀ + W A`'),
    'mle.bernoulli': Entry(result='float', formula='`θ̂ = mean(x)` for 0/1 samples (H T H H T T H T → 0.5)'),
    'mle.gaussian_classes': Entry(result='(means (k, d), covs (k, d, d))', formula='integer labels in `0..k-1`, every class present; per class j: sample mean and biased (1/n_j) covariance'),
    'newton.minimize': Entry(result='(steps + 1, d)', formula='`θ ← θ - H⁻¹ g` (solve, do not invert); once `g = 0` exactly, stay'),
    'newton.root': Entry(result='(steps + 1,)', formula="`x ← x - f(x)/f'(x)`; once `f(x) = 0` exactly, stay"),
    'optimizers.adagrad': Entry(result='the iterates, (steps + 1, d)', formula='`a ← a + g⊙g`; `θ ← θ - lr g / (√a + δ)`'),
    'optimizers.adam': Entry(result='the iterates, (steps + 1, d)', formula='`v ← β1 v + (1-β1) g`; `a ← β2 a + (1-β2) g⊙g`; with correction `v̂ = v/(1-β1ᵗ)`, `â = a/(1-β2ᵗ)`, else `v̂ = v`, `â = a`; `θ ← θ - lr v̂ / (√â + δ)`'),
    'optimizers.momentum': Entry(result='the iterates, (steps + 1, d)', formula='`v ← αv - lr g`; `θ ← θ + v`'),
    'optimizers.nesterov': Entry(result='the iterates, (steps + 1, d)', formula='`g = ∇J(θ + αv)`; `v ← αv - lr g`; `θ ← θ + v`'),
    'optimizers.rmsprop': Entry(result='the iterates, (steps + 1, d)', formula='`a ← βa + (1-β) g⊙g`; `θ ← θ - lr g / (√a + δ)`'),
    'optimizers.rmsprop_momentum': Entry(result='the iterates, (steps + 1, d)', formula='`g = ∇J(θ)` (at θ, as seed 002 writes it, not at a look-ahead); `a ← βa + (1-β) g⊙g`; `v ← αv - lr g / (√a + δ)`; `θ ← θ + v`'),
    'optimizers.sgd': Entry(result='the iterates, (steps + 1, d)', formula='`θ ← θ - lr g`'),
    'regularization.clip_by_norm': Entry(result="g's shape", formula='`c > 0`, g of any shape, `‖g‖` the 2-norm of all its entries: `g` if `‖g‖ < c`, else `c g / ‖g‖`'),
    'regularization.l1_step': Entry(result="w'", formula='`w - lr α sign(w) - lr ∇J`'),
    'regularization.l2_grad': Entry(result="w's shape", formula='`α w + ∇J`'),
    'regularization.l2_step': Entry(result="w'", formula='`(1 - lr α) w - lr ∇J`'),
    'regularization.label_smoothing': Entry(result='(K,)', formula='one-hot `y`, K ≥ 2, 0 ≤ ε ≤ 1: `1 - ε` on the true class, `ε/(K-1)` elsewhere (seed: 0.9 and 0.011 for K = 10)'),
    'shapes.conv_connections': Entry(result='int', formula='`w_out h_out n_filters (wf hf depth + 1)` (LeNet C1: 122,304)'),
    'shapes.conv_output': Entry(result='(w_out, h_out)', formula='`((w - wf + 2 pad)/stride + 1, (h - hf + 2 pad)/stride + 1)`; raises `ValueError` when a division is not exact or the filter does not fit'),
    'shapes.conv_params': Entry(result='int', formula='`n_filters (wf hf depth + 1)`'),
    'shapes.dense_params': Entry(result='(weights, biases)', formula='`sizes = [3, 4, 2]` → `(20, 6)`'),
    'shapes.pool_output': Entry(result='(w_out, h_out, d)', formula='`((w - wp)/stride + 1, (h - hp)/stride + 1, d)`; `ValueError` as above'),
    'softmax.ce_grad': Entry(result='(K,)', formula='`p - y`'),
    'softmax.ce_hessian': Entry(result='(K, K)', formula='`diag(p) - p pᵀ`'),
    'softmax.ce_loss': Entry(result='float', formula='`-Σ_k y_k log p_k`'),
    'softmax.forward': Entry(result='p', formula='`p_k = e^{z_k} / Σ_j e^{z_j}` along the last axis'),
    'softmax.jacobian': Entry(result='(K, K)', formula='`J[k, i] = ∂p_k/∂z_i = p_k (δ_ki - p_i)`'),
    'softmax.regression_grad': Entry(result='(dW (d, C), db (C,))', formula='`dW = (1/n) Xᵀ (P - Y)`, `db = (1/n) Σ_i (P_i - Y_i)`'),
    'softmax.regression_loss': Entry(result='float', formula='`-(1/n) Σ_i Σ_k Y_ik log P_ik`, `P = softmax(X W + b)` row-wise; `W: (d, C)`, `b: (C,)`, `X: (n, d)`, `Y: (n, C)` rows are probability vectors (mean over the batch)'),
}
