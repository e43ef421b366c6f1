"""Wrong implementations of the shapes family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import shapes as ref


def _conv_witness():
    return 9, 7, 3, 3, 1, 2  # (9-3+2)/2+1 = 5, (7-3+2)/2+1 = 4


def _conv_padded_stride_witness():
    return 7, 7, 3, 3, 1, 3  # (7-3+2)/3+1 = 3: exact only thanks to the padding


def _conv_odd_input_witness():
    return 7, 7, 3, 3, 0, 2  # the seed's 7×7 with stride 2: (7-3)/2+1 = 3


def _conv_narrow_witness():
    return 9, 3, 5, 3, 0, 1  # (5, 1): the 5-wide filter fits the width, not the height


def _pool_witness():
    return 8, 6, 16, 2, 2, 2


def _pool_odd_input_witness():
    return 7, 7, 16, 3, 3, 2  # (7-3)/2+1 = 3


def _pool_narrow_witness():
    return 8, 2, 16, 4, 2, 2  # (3, 1, 16): the 4-wide window fits the width, not the height


def _conv_params_witness():
    return 100, 4, 2, 3


def _conv_connections_witness():
    return 28, 14, 6, 5, 3, 2


def _dense_witness():
    return ([3, 4, 2],)


# -- shapes.conv_output ------------------------------------------------------------


@mutant(
    "shapes.conv_output",
    bug="edge",
    killed_by=["test_conv_output_agrees_with_reference"],
    witness=_conv_padded_stride_witness,
)
def conv_output_stride_check_without_padding(w, h, wf, hf, pad, stride):
    """Checks that the stride divides w - wf (forgetting the 2·pad): rejects valid padded layers."""
    for size, window in ((w, wf), (h, hf)):
        if window > size + 2 * pad:
            raise ValueError("filter does not fit")
        if (size - window) % stride:
            raise ValueError("stride does not divide")
    return (w - wf + 2 * pad) // stride + 1, (h - hf + 2 * pad) // stride + 1


@mutant(
    "shapes.conv_output",
    bug="derivation",
    killed_by=["test_conv_output_agrees_with_reference", "test_conv_output_rejects_inexact_stride", "test_conv_output_seed_strides_on_7x7"],
    witness=_conv_odd_input_witness,
)
def conv_output_input_divisible_by_stride(w, h, wf, hf, pad, stride):
    """Requires the stride to divide the input size w (a common misconception), then floors."""
    for size, window in ((w, wf), (h, hf)):
        if window > size + 2 * pad:
            raise ValueError("filter does not fit")
        if size % stride:
            raise ValueError("stride does not divide the input")
    return (w - wf + 2 * pad) // stride + 1, (h - hf + 2 * pad) // stride + 1


@mutant(
    "shapes.conv_output",
    bug="derivation",
    killed_by=[
        "test_conv_output_agrees_with_reference",
        "test_conv_output_same_padding_keeps_size",
        "test_conv_output_seed_strides_on_7x7",
        "test_conv_output_seed_layers",
    ],
    witness=_conv_witness,
)
def conv_output_missing_plus_one(w, h, wf, hf, pad, stride):
    """The +1 is missing: (w − wf + 2·pad)/stride counts the filter's steps, not its positions."""
    w_out, h_out = ref.conv_output(w, h, wf, hf, pad, stride)
    return w_out - 1, h_out - 1


@mutant(
    "shapes.conv_output",
    bug="derivation",
    killed_by=["test_conv_output_agrees_with_reference", "test_conv_output_same_padding_keeps_size"],
    witness=_conv_witness,
)
def conv_output_padding_counted_once(w, h, wf, hf, pad, stride):
    """The padding is added once; it is on both sides: w − wf + 2·pad."""
    for span in (w - wf + pad, h - hf + pad):
        if span < 0 or span % stride:
            raise ValueError("filter does not fit")
    return (w - wf + pad) // stride + 1, (h - hf + pad) // stride + 1


@mutant(
    "shapes.conv_output",
    bug="edge",
    killed_by=["test_conv_output_agrees_with_reference", "test_conv_output_rejects_filter_that_does_not_fit"],
    witness=_conv_narrow_witness,
)
def conv_output_fit_check_swaps_axes(w, h, wf, hf, pad, stride):
    """Compares the filter's width with the input's height and vice versa in the fit check."""
    if wf > h + 2 * pad or hf > w + 2 * pad:
        raise ValueError("filter does not fit")
    spans = (w - wf + 2 * pad, h - hf + 2 * pad)
    if any(span % stride for span in spans):
        raise ValueError("stride does not divide")
    return spans[0] // stride + 1, spans[1] // stride + 1


@mutant(
    "shapes.conv_output",
    bug="convention",
    killed_by=["test_conv_output_agrees_with_reference"],
    witness=_conv_witness,
)
def conv_output_height_first(w, h, wf, hf, pad, stride):
    """Returns (h_out, w_out); the catalogue's order is (w_out, h_out)."""
    w_out, h_out = ref.conv_output(w, h, wf, hf, pad, stride)
    return h_out, w_out


@mutant(
    "shapes.conv_output",
    bug="derivation",
    killed_by=["test_conv_output_agrees_with_reference", "test_conv_output_results_are_integers"],
    witness=_conv_witness,
)
def conv_output_precedence(w, h, wf, hf, pad, stride):
    """Writes w - wf + 2*pad/stride + 1 without parentheses: only the padding is divided."""
    ref.conv_output(w, h, wf, hf, pad, stride)  # keeps the reference's error checks
    return w - wf + 2 * pad / stride + 1, h - hf + 2 * pad / stride + 1


@mutant(
    "shapes.conv_output",
    bug="contract",
    killed_by=["test_conv_output_agrees_with_reference", "test_conv_output_seed_layers", "test_conv_output_results_are_integers"],
    witness=_conv_witness,
)
def conv_output_returns_array(w, h, wf, hf, pad, stride):
    """Returns np.array([w_out, h_out]) where the catalogue specifies a tuple."""
    return np.array(ref.conv_output(w, h, wf, hf, pad, stride))


# -- shapes.pool_output ------------------------------------------------------------


@mutant(
    "shapes.pool_output",
    bug="derivation",
    killed_by=["test_pool_output_agrees_with_reference", "test_pool_output_rejects_inexact_stride"],
    witness=_pool_odd_input_witness,
)
def pool_output_input_divisible_by_stride(w, h, d, wp, hp, stride):
    """Requires the stride to divide the input size w (a common misconception), then floors."""
    for size, window in ((w, wp), (h, hp)):
        if window > size:
            raise ValueError("window does not fit")
        if size % stride:
            raise ValueError("stride does not divide the input")
    return (w - wp) // stride + 1, (h - hp) // stride + 1, d


@mutant(
    "shapes.pool_output",
    bug="edge",
    killed_by=["test_pool_output_agrees_with_reference", "test_pool_output_rejects_window_that_does_not_fit"],
    witness=_pool_narrow_witness,
)
def pool_output_fit_check_swaps_axes(w, h, d, wp, hp, stride):
    """Compares the window's width with the input's height and vice versa in the fit check."""
    if wp > h or hp > w:
        raise ValueError("window does not fit")
    spans = (w - wp, h - hp)
    if any(span % stride for span in spans):
        raise ValueError("stride does not divide")
    return spans[0] // stride + 1, spans[1] // stride + 1, d


@mutant(
    "shapes.pool_output",
    bug="derivation",
    killed_by=["test_pool_output_agrees_with_reference", "test_pool_output_2x2_stride_2_halves"],
    witness=_pool_witness,
)
def pool_output_off_by_one(w, h, d, wp, hp, stride):
    """Uses (w - wp + 1)/stride + 1, mixing the stride-1 count w - wp + 1 into the formula."""
    return ref.pool_output(w + 1, h + 1, d, wp, hp, stride)


@mutant(
    "shapes.pool_output",
    bug="contract",
    killed_by=["test_pool_output_agrees_with_reference", "test_pool_output_keeps_depth", "test_pool_output_2x2_stride_2_halves"],
    witness=_pool_witness,
)
def pool_output_without_depth(w, h, d, wp, hp, stride):
    """Returns only (w_out, h_out): a tuple of two where three are specified."""
    return ref.pool_output(w, h, d, wp, hp, stride)[:2]


@mutant(
    "shapes.pool_output",
    bug="convention",
    killed_by=["test_pool_output_agrees_with_reference", "test_pool_output_keeps_depth"],
    witness=_pool_witness,
)
def pool_output_channels_first(w, h, d, wp, hp, stride):
    """Returns (d, w_out, h_out), the channels-first order of PyTorch."""
    w_out, h_out, depth = ref.pool_output(w, h, d, wp, hp, stride)
    return depth, w_out, h_out


# -- shapes.conv_params ------------------------------------------------------------


@mutant(
    "shapes.conv_params",
    bug="derivation",
    killed_by=["test_conv_params_agrees_with_reference", "test_conv_params_seed_examples"],
    witness=_conv_params_witness,
)
def conv_params_missing_bias(n_filters, wf, hf, depth):
    """Counts the weights but forgets each filter's bias."""
    return n_filters * wf * hf * depth


@mutant(
    "shapes.conv_params",
    bug="derivation",
    killed_by=["test_conv_params_agrees_with_reference", "test_conv_params_seed_examples", "test_conv_params_proportional_to_filters"],
    witness=_conv_params_witness,
)
def conv_params_one_shared_bias(n_filters, wf, hf, depth):
    """Adds one bias for the whole layer (n·wf·hf·depth + 1), as in the seed's dense count."""
    return n_filters * wf * hf * depth + 1


@mutant(
    "shapes.conv_params",
    bug="derivation",
    killed_by=["test_conv_params_agrees_with_reference", "test_conv_params_seed_examples", "test_conv_params_symmetric_in_filter_sides"],
    witness=_conv_params_witness,
)
def conv_params_ignores_depth(n_filters, wf, hf, depth):
    """Treats the filter as 2-D: n (wf hf + 1), forgetting it spans the input depth."""
    return n_filters * (wf * hf + 1)


@mutant(
    "shapes.conv_params",
    bug="edge",
    killed_by=["test_conv_params_agrees_with_reference", "test_conv_params_symmetric_in_filter_sides"],
    witness=_conv_params_witness,
)
def conv_params_square_filter(n_filters, wf, hf, depth):
    """Assumes square filters: uses wf² and ignores hf."""
    return n_filters * (wf * wf * depth + 1)


@mutant(
    "shapes.conv_params",
    bug="contract",
    killed_by=["test_conv_params_agrees_with_reference", "test_conv_params_seed_examples"],
    witness=_conv_params_witness,
)
def conv_params_weights_and_biases(n_filters, wf, hf, depth):
    """Returns the pair (weights, biases) instead of their total."""
    return n_filters * wf * hf * depth, n_filters


# -- shapes.conv_connections -------------------------------------------------------------


@mutant(
    "shapes.conv_connections",
    bug="derivation",
    killed_by=[
        "test_conv_connections_agrees_with_reference",
        "test_conv_connections_seed_lenet",
        "test_conv_connections_of_one_unit",
    ],
    witness=_conv_connections_witness,
)
def conv_connections_missing_bias(w_out, h_out, n_filters, wf, hf, depth):
    """Counts the connections to inputs but not the one to the bias (LeNet C1: 117,600)."""
    return w_out * h_out * n_filters * wf * hf * depth


@mutant(
    "shapes.conv_connections",
    bug="derivation",
    killed_by=[
        "test_conv_connections_agrees_with_reference",
        "test_conv_connections_seed_lenet",
        "test_conv_connections_proportional_to_output_units",
    ],
    witness=_conv_connections_witness,
)
def conv_connections_ignores_filters(w_out, h_out, n_filters, wf, hf, depth):
    """Counts one feature map only: w_out h_out (wf hf depth + 1)."""
    return w_out * h_out * (wf * hf * depth + 1)


@mutant(
    "shapes.conv_connections",
    bug="derivation",
    killed_by=[
        "test_conv_connections_agrees_with_reference",
        "test_conv_connections_seed_lenet",
        "test_conv_connections_proportional_to_output_units",
    ],
    witness=_conv_connections_witness,
)
def conv_connections_shared_weights_once(w_out, h_out, n_filters, wf, hf, depth):
    """Adds the filters' weights once (they are shared) to one bias connection per output unit."""
    return n_filters * wf * hf * depth + w_out * h_out * n_filters


@mutant(
    "shapes.conv_connections",
    bug="edge",
    killed_by=["test_conv_connections_agrees_with_reference"],
    witness=_conv_connections_witness,
)
def conv_connections_ignores_depth(w_out, h_out, n_filters, wf, hf, depth):
    """Drops the depth factor: right for LeNet's grayscale input, wrong for colour."""
    return w_out * h_out * n_filters * (wf * hf + 1)


# -- shapes.dense_params ------------------------------------------------------------


@mutant(
    "shapes.dense_params",
    bug="convention",
    killed_by=[
        "test_dense_params_agrees_with_reference",
        "test_dense_params_seed_example",
        "test_dense_params_appending_a_layer",
        "test_dense_params_prepending_an_input",
    ],
    witness=_dense_witness,
)
def dense_params_input_biases(sizes):
    """Gives every layer but the output one a bias (Σ sizes[:-1]) instead of every layer but the input."""
    weights, _ = ref.dense_params(sizes)
    return weights, sum(sizes[:-1])


@mutant(
    "shapes.dense_params",
    bug="edge",
    killed_by=[
        "test_dense_params_agrees_with_reference",
        "test_dense_params_seed_example",
        "test_dense_params_appending_a_layer",
    ],
    witness=_dense_witness,
)
def dense_params_skips_last_layer(sizes):
    """Off by one in the loop: range(len(sizes) - 2) skips the last layer's weights."""
    weights = sum(sizes[i] * sizes[i + 1] for i in range(len(sizes) - 2))
    return weights, sum(sizes[1:])


@mutant(
    "shapes.dense_params",
    bug="contract",
    killed_by=["test_dense_params_agrees_with_reference", "test_dense_params_seed_example"],
    witness=_dense_witness,
)
def dense_params_total_only(sizes):
    """Returns the total 26 instead of the pair (weights, biases)."""
    weights, biases = ref.dense_params(sizes)
    return weights + biases


@mutant(
    "shapes.dense_params",
    bug="contract",
    killed_by=["test_dense_params_agrees_with_reference", "test_dense_params_appending_a_layer"],
    witness=_dense_witness,
)
def dense_params_pops_input_layer(sizes):
    """Pops the input size off the caller's list to count the biases, mutating it."""
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    sizes.pop(0)
    return weights, sum(sizes)


@mutant(
    "shapes.dense_params",
    bug="derivation",
    killed_by=["test_dense_params_agrees_with_reference", "test_dense_params_seed_example", "test_dense_params_prepending_an_input"],
    witness=_dense_witness,
)
def dense_params_weights_from_first_layer(sizes):
    """Counts the weights as sizes[0] times the rest (Σ_l n_0 n_l), as if every layer saw the input."""
    return sum(sizes[0] * n for n in sizes[1:]), sum(sizes[1:])


# -- floor division where the catalogue raises ---------------------------------------------


def _conv_inexact_stride_witness():
    return 7, 7, 3, 3, 0, 3  # the seed's rejected stride: (7-3)/3 is not an integer


def _pool_inexact_stride_witness():
    return 7, 7, 16, 2, 2, 2  # (7-2)/2 is not an integer


@mutant(
    "shapes.conv_output",
    bug="edge",
    killed_by=["test_conv_output_rejects_inexact_stride", "test_conv_output_seed_strides_on_7x7"],
    witness=_conv_inexact_stride_witness,
)
def conv_output_floor_division(w, h, wf, hf, pad, stride):
    """Floor division (//) silently accepts a stride that does not fit (7×7 input, 3×3 filter, stride 3 gives 2); raise ValueError when the stride does not divide w − wf + 2·pad."""
    return (w - wf + 2 * pad) // stride + 1, (h - hf + 2 * pad) // stride + 1


@mutant(
    "shapes.pool_output",
    bug="edge",
    killed_by=["test_pool_output_rejects_inexact_stride"],
    witness=_pool_inexact_stride_witness,
)
def pool_output_floor_division(w, h, d, wp, hp, stride):
    """Uses // and silently accepts a stride that does not tile the input."""
    return (w - wp) // stride + 1, (h - hp) // stride + 1, d
