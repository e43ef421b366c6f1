"""Properties of the shapes family: convolution, pooling and dense-layer arithmetic.

Catalogue: ``shapes.conv_output``, ``shapes.pool_output``, ``shapes.conv_params``,
``shapes.conv_connections``, ``shapes.dense_params``. Seed 002.

All results are integers. The seam enforces that on every call (a fractional
or non-numeric result fails whichever property made the call; an integral
float such as ``5.0`` is accepted and read as ``5``), and
``test_conv_output_results_are_integers`` states it as a claim.

Valid inputs are built backwards from the output (``w = (w_out - 1)·stride +
wf - 2·pad``), so they are exact by construction and no ``assume`` is needed.
Invalid ones change one axis by a remainder ``0 < r < stride`` (inexact) or
make the window larger than the padded input by a multiple of the stride (so
that only the fit check, not the divisibility check, can reject it).

Decision: inputs where the filter fits the padded input but not the unpadded
one (``w < wf ≤ w + 2·pad``) are never generated; the catalogue's "does not
fit" can be read either way there (see ``reference/shapes.py``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from properties.generic_properties import agrees_with_reference
from properties.pytest_helpers import assert_equal, assert_raises, assert_true, prop

# -- strategies ----------------------------------------------------------------

window_sides = st.integers(1, 11)
paddings = st.integers(0, 5)
strides = st.integers(1, 5)
depths = st.one_of(st.integers(1, 4), st.integers(5, 512))
filter_counts = st.one_of(st.integers(1, 8), st.integers(9, 512))


@st.composite
def _valid_axis(draw: Any, pad: int, stride: int) -> tuple[int, int, int]:
    """``(size, window, out)`` with ``(size - window + 2·pad)/stride + 1 = out`` exactly
    and ``window ≤ size`` (the window fits even without the padding)."""
    window = draw(window_sides)
    fewest_steps = -(-2 * pad // stride)  # smallest k with stride·k ≥ 2·pad, i.e. size ≥ window
    # Often a narrow axis (output 1 to 3), where a window compared with the wrong
    # side, or an off-by-one at the border, shows.
    steps = fewest_steps + draw(st.one_of(st.integers(0, 2), st.integers(0, 30)))
    return stride * steps + window - 2 * pad, window, steps + 1


@st.composite
def _inexact_axis(draw: Any, pad: int, stride: int) -> tuple[int, int]:
    """``(size, window)`` with the window fitting but ``stride ∤ size - window + 2·pad``
    (needs ``stride ≥ 2``)."""
    size, window, _ = draw(_valid_axis(pad, stride))
    return size + draw(st.integers(1, stride - 1)), window


@st.composite
def _unfit_axis(draw: Any, pad: int, stride: int) -> tuple[int, int]:
    """``(size, window)`` with ``window > size + 2·pad`` by a multiple of the stride:
    the division is exact (even Python's ``%`` of a negative span is 0), so
    only the fit check can reject it."""
    shortfall = stride * draw(st.integers(1, 3))
    size = draw(st.integers(1, 12))
    return size, size + 2 * pad + shortfall


@st.composite
def conv_args(draw: Any) -> tuple[int, int, int, int, int, int]:
    """Valid ``(w, h, wf, hf, pad, stride)``; width and height drawn independently so
    a swapped pair shows."""
    pad, stride = draw(paddings), draw(strides)
    w, wf, _ = draw(_valid_axis(pad, stride))
    h, hf, _ = draw(_valid_axis(pad, stride))
    return w, h, wf, hf, pad, stride


def _with_bad_axis(draw: Any, valid: tuple[int, int], bad: tuple[int, int]) -> tuple[int, int, int, int]:
    """``(w, h, wf, hf)`` with the bad axis at width, height, or both."""
    where = draw(st.sampled_from(["width", "height", "both"]))
    (w, wf), (h, hf) = (bad, valid) if where == "width" else (valid, bad)
    if where == "both":
        h, hf = bad
    return w, h, wf, hf


@st.composite
def conv_args_inexact(draw: Any) -> tuple[int, int, int, int, int, int]:
    pad, stride = draw(paddings), draw(st.integers(2, 5))
    size, window, _ = draw(_valid_axis(pad, stride))
    w, h, wf, hf = _with_bad_axis(draw, (size, window), draw(_inexact_axis(pad, stride)))
    return w, h, wf, hf, pad, stride


@st.composite
def conv_args_unfit(draw: Any) -> tuple[int, int, int, int, int, int]:
    pad, stride = draw(paddings), draw(strides)
    size, window, _ = draw(_valid_axis(pad, stride))
    w, h, wf, hf = _with_bad_axis(draw, (size, window), draw(_unfit_axis(pad, stride)))
    return w, h, wf, hf, pad, stride


@st.composite
def pool_args(draw: Any) -> tuple[int, int, int, int, int, int]:
    """Valid ``(w, h, d, wp, hp, stride)``."""
    stride = draw(strides)
    w, wp, _ = draw(_valid_axis(0, stride))
    h, hp, _ = draw(_valid_axis(0, stride))
    return w, h, draw(depths), wp, hp, stride


@st.composite
def pool_args_inexact(draw: Any) -> tuple[int, int, int, int, int, int]:
    stride = draw(st.integers(2, 5))
    size, window, _ = draw(_valid_axis(0, stride))
    w, h, wp, hp = _with_bad_axis(draw, (size, window), draw(_inexact_axis(0, stride)))
    return w, h, draw(depths), wp, hp, stride


@st.composite
def pool_args_unfit(draw: Any) -> tuple[int, int, int, int, int, int]:
    stride = draw(strides)
    size, window, _ = draw(_valid_axis(0, stride))
    w, h, wp, hp = _with_bad_axis(draw, (size, window), draw(_unfit_axis(0, stride)))
    return w, h, draw(depths), wp, hp, stride


conv_params_args = st.tuples(filter_counts, window_sides, window_sides, depths)
conv_connections_args = st.tuples(st.integers(1, 64), st.integers(1, 64), filter_counts, window_sides, window_sides, depths)
layer_sizes = st.one_of(st.integers(1, 5), st.integers(6, 1000))
dense_args = st.lists(layer_sizes, min_size=2, max_size=6).map(lambda sizes: (sizes,))


# Integer results: agreement is exact (rtol = 0 also makes the absolute floor 0).
EXACT_CLAIM = "gives exactly the reference implementation's integers"


def _describe_conv(args: tuple) -> str:
    w, h, wf, hf, pad, stride = args
    return f"a {w}×{h} input, a {wf}×{hf} filter, pad {pad}, stride {stride}"


# -- shapes.conv_output ----------------------------------------------------------

test_conv_output_agrees_with_reference = agrees_with_reference("shapes.conv_output", conv_args(), rtol=0, claim=EXACT_CLAIM)


@prop("shapes.conv_output", "raises ValueError when the stride does not divide w - wf + 2·pad (or h - hf + 2·pad)")
@given(args=conv_args_inexact())
def test_conv_output_rejects_inexact_stride(subject: Any, args: tuple) -> None:
    assert_raises(ValueError, lambda: subject(*args), what=f"conv_output on {_describe_conv(args)}")


@prop("shapes.conv_output", "raises ValueError when the filter is larger than the padded input")
@given(args=conv_args_unfit())
def test_conv_output_rejects_filter_that_does_not_fit(subject: Any, args: tuple) -> None:
    assert_raises(ValueError, lambda: subject(*args), what=f"conv_output on {_describe_conv(args)}")


@prop("shapes.conv_output", "padding (f-1)/2 with stride 1 keeps the width and height (odd f×f filter)")
@given(data=st.data(), f=st.sampled_from([1, 3, 5, 7, 9, 11]))
def test_conv_output_same_padding_keeps_size(subject: Any, data: st.DataObject, f: int) -> None:
    # The catalogue has one pad for both axes, so the filter is square.
    w = data.draw(st.integers(f, 64), label="w")  # w ≥ f: the filter fits even unpadded
    h = data.draw(st.integers(f, 64), label="h")
    got = subject(w, h, f, f, (f - 1) // 2, 1)
    assert_equal(got, (w, h), what=f"conv_output({w}, {h}, {f}, {f}, {(f - 1) // 2}, 1)")


@prop("shapes.conv_output", "a 7×7 input with a 3×3 filter and no padding accepts strides 1, 2 and 4 and rejects 3 (seed)")
@given(case=st.just("seed 002"))
def test_conv_output_seed_strides_on_7x7(subject: Any, case: str) -> None:
    for stride, expected in [(1, (5, 5)), (2, (3, 3)), (4, (2, 2))]:
        assert_equal(subject(7, 7, 3, 3, 0, stride), expected, what=f"conv_output(7, 7, 3, 3, 0, {stride})")
    assert_raises(ValueError, lambda: subject(7, 7, 3, 3, 0, 3), what="conv_output(7, 7, 3, 3, 0, 3)")


@prop(
    "shapes.conv_output",
    "the seed's layers: LeNet C1 (32×32, 5×5 filters) gives 28×28, 4×4 filters on 32×32 give 29×29, "
    "a 3×3 filter with pad 1 keeps 7×7",
)
@given(case=st.just("seed 002"))
def test_conv_output_seed_layers(subject: Any, case: str) -> None:
    assert_equal(subject(32, 32, 5, 5, 0, 1), (28, 28), what="conv_output(32, 32, 5, 5, 0, 1) (LeNet C1)")
    assert_equal(subject(32, 32, 4, 4, 0, 1), (29, 29), what="conv_output(32, 32, 4, 4, 0, 1) (100 filters 4×4×3)")
    assert_equal(subject(7, 7, 3, 3, 1, 1), (7, 7), what="conv_output(7, 7, 3, 3, 1, 1)")


@prop("shapes.conv_output", "results are integers (an integral float such as 5.0 is accepted, a fraction is not)")
@given(args=conv_args())
def test_conv_output_results_are_integers(subject: Any, args: tuple) -> None:
    # The seam reads an integral float as an int and fails a fractional result
    # before this line; what is left is the claim that both sizes are at least 1.
    w_out, h_out = subject(*args)
    assert_true(
        isinstance(w_out, int) and isinstance(h_out, int) and w_out >= 1 and h_out >= 1,
        what=f"conv_output on {_describe_conv(args)} must give two positive integers",
        details={"got": (w_out, h_out)},
    )


# -- shapes.pool_output ----------------------------------------------------------

test_pool_output_agrees_with_reference = agrees_with_reference("shapes.pool_output", pool_args(), rtol=0, claim=EXACT_CLAIM)


@prop("shapes.pool_output", "raises ValueError when the stride does not divide w - wp (or h - hp)")
@given(args=pool_args_inexact())
def test_pool_output_rejects_inexact_stride(subject: Any, args: tuple) -> None:
    assert_raises(ValueError, lambda: subject(*args), what=f"pool_output{args}")


@prop("shapes.pool_output", "raises ValueError when the pooling window is larger than the input")
@given(args=pool_args_unfit())
def test_pool_output_rejects_window_that_does_not_fit(subject: Any, args: tuple) -> None:
    assert_raises(ValueError, lambda: subject(*args), what=f"pool_output{args}")


@prop("shapes.pool_output", "pooling keeps the depth d")
@given(args=pool_args())
def test_pool_output_keeps_depth(subject: Any, args: tuple) -> None:
    got = subject(*args)
    assert_equal(got[2], args[2], what=f"the depth (item 2) of pool_output{args}")


@prop("shapes.pool_output", "a 2×2 pool with stride 2 halves even sizes: (2a, 2b, d) → (a, b, d)")
@given(a=st.integers(1, 64), b=st.integers(1, 64), d=depths)
def test_pool_output_2x2_stride_2_halves(subject: Any, a: int, b: int, d: int) -> None:
    assert_equal(subject(2 * a, 2 * b, d, 2, 2, 2), (a, b, d), what=f"pool_output({2 * a}, {2 * b}, {d}, 2, 2, 2)")


# -- shapes.conv_params ----------------------------------------------------------

test_conv_params_agrees_with_reference = agrees_with_reference("shapes.conv_params", conv_params_args, rtol=0, claim=EXACT_CLAIM)


@prop("shapes.conv_params", "100 filters of 4×4×3 have 4,900 parameters, LeNet C1's six 5×5 filters 156 (seed)")
@given(case=st.just("seed 002"))
def test_conv_params_seed_examples(subject: Any, case: str) -> None:
    assert_equal(subject(100, 4, 4, 3), 4900, what="conv_params(100, 4, 4, 3)")
    assert_equal(subject(6, 5, 5, 1), 156, what="conv_params(6, 5, 5, 1)")


@prop("shapes.conv_params", "each filter has its own weights and bias: k times the filters, k times the parameters")
@given(args=conv_params_args, k=st.integers(2, 5))
def test_conv_params_proportional_to_filters(subject: Any, args: tuple, k: int) -> None:
    n_filters, wf, hf, depth = args
    one, many = subject(1, wf, hf, depth), subject(k * n_filters, wf, hf, depth)
    assert_true(
        many == k * n_filters * one,
        what=f"{k * n_filters} filters must have {k * n_filters} times the parameters of one",
        details={"one filter": one, f"{k * n_filters} filters": many},
    )


@prop("shapes.conv_params", "the count depends on the filter only through wf·hf·depth (any order of the three)")
@given(args=conv_params_args, order=st.permutations([0, 1, 2]))
def test_conv_params_symmetric_in_filter_sides(subject: Any, args: tuple, order: list[int]) -> None:
    n_filters, *sides = args
    permuted = [sides[i] for i in order]
    before, after = subject(n_filters, *sides), subject(n_filters, *permuted)
    assert_true(
        before == after,
        what="(wf, hf, depth) and a permutation of it give different parameter counts",
        details={f"conv_params{tuple(args)}": before, f"conv_params{(n_filters, *permuted)}": after},
    )


# -- shapes.conv_connections -------------------------------------------------------

test_conv_connections_agrees_with_reference = agrees_with_reference("shapes.conv_connections", conv_connections_args, rtol=0, claim=EXACT_CLAIM)


@prop("shapes.conv_connections", "LeNet C1 (28×28×6 outputs, 5×5 filters) has 122,304 connections (seed)")
@given(case=st.just("seed 002"))
def test_conv_connections_seed_lenet(subject: Any, case: str) -> None:
    assert_equal(subject(28, 28, 6, 5, 5, 1), 122_304, what="conv_connections(28, 28, 6, 5, 5, 1)")


@prop(
    "shapes.conv_connections",
    "every output unit has the same connections: the count is w_out·h_out·n_filters times that of one unit",
)
@given(args=conv_connections_args)
def test_conv_connections_proportional_to_output_units(subject: Any, args: tuple) -> None:
    w_out, h_out, n_filters, wf, hf, depth = args
    one, many = subject(1, 1, 1, wf, hf, depth), subject(*args)
    assert_true(
        many == w_out * h_out * n_filters * one,
        what=f"{w_out}×{h_out}×{n_filters} output units must have {w_out * h_out * n_filters} times the connections of one",
        details={"one output unit": one, "all output units": many},
    )


@prop("shapes.conv_connections", "one output unit connects to its filter's wf·hf·depth inputs and to the bias")
@given(sides=st.tuples(window_sides, window_sides, depths))
def test_conv_connections_of_one_unit(subject: Any, sides: tuple) -> None:
    wf, hf, depth = sides
    assert_equal(subject(1, 1, 1, wf, hf, depth), wf * hf * depth + 1, what=f"conv_connections(1, 1, 1, {wf}, {hf}, {depth})")


# -- shapes.dense_params ------------------------------------------------------------

test_dense_params_agrees_with_reference = agrees_with_reference("shapes.dense_params", dense_args, rtol=0, claim=EXACT_CLAIM)


@prop("shapes.dense_params", "[3, 4, 2] has 20 weights and 6 biases, 26 parameters (seed)")
@given(case=st.just("seed 002"))
def test_dense_params_seed_example(subject: Any, case: str) -> None:
    got = subject([3, 4, 2])
    assert_equal(got, (20, 6), what="dense_params([3, 4, 2])")
    assert_equal(got[0] + got[1], 26, what="the total of dense_params([3, 4, 2])")


@prop("shapes.dense_params", "appending a layer of m units adds last·m weights and m biases")
@given(args=dense_args, m=layer_sizes)
def test_dense_params_appending_a_layer(subject: Any, args: tuple, m: int) -> None:
    (sizes,) = args
    (w0, b0), (w1, b1) = subject(sizes), subject([*sizes, m])
    assert_equal((w1 - w0, b1 - b0), (sizes[-1] * m, m), what=f"dense_params({[*sizes, m]}) - dense_params({sizes})")


@prop("shapes.dense_params", "a new input layer of a units adds a·n_0 weights and n_0 biases (inputs have no bias)")
@given(args=dense_args, a=layer_sizes)
def test_dense_params_prepending_an_input(subject: Any, args: tuple, a: int) -> None:
    (sizes,) = args
    (w0, b0), (w1, b1) = subject(sizes), subject([a, *sizes])
    assert_equal((w1 - w0, b1 - b0), (a * sizes[0], sizes[0]), what=f"dense_params({[a, *sizes]}) - dense_params({sizes})")
