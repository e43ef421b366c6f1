"""shapes — layer arithmetic of convolutional and dense networks (seed 002).

Integer arithmetic throughout: every result is a Python ``int`` (a submission
may return integral floats such as ``5.0``; the seam accepts them).

- Convolution output: ``((w - wf + 2 pad)/stride + 1, (h - hf + 2 pad)/stride + 1)``.
- Pooling output: ``((w - wp)/stride + 1, (h - hp)/stride + 1, d)``.
- Both raise ``ValueError`` when a division is not exact or the window does
  not fit (seed: a 7×7 input with a 3×3 filter accepts strides 1, 2 and 4, not 3).
- Parameters of a convolution layer: ``n_filters (wf hf depth + 1)`` (one bias
  per filter); connections: ``w_out h_out n_filters (wf hf depth + 1)`` (every
  output unit is connected to its filter's weights and its bias: LeNet C1,
  ``28·28·6·26 = 122,304``).
- Dense network ``sizes = [n_0, ..., n_L]``: ``Σ n_{l-1} n_l`` weights and
  ``Σ_{l≥1} n_l`` biases (``[3, 4, 2] → (20, 6)``).

Decisions (catalogue silent or ambiguous):

- "The filter does not fit" means it does not fit the *padded* input:
  ``wf > w + 2 pad`` (the formula's numerator is negative). Where the filter
  fits only thanks to the padding (``w < wf ≤ w + 2 pad``) the reference
  returns the formula's value, but no property grades that region: reading
  "fit" as "fits the unpadded input" is also defensible.
- Arguments are positive ints (``pad ≥ 0``); other values (zero stride,
  negative sizes, non-integral numbers) are rejected with ``ValueError`` by
  the reference and not graded.
- ``dense_params`` takes a list of at least two layer sizes; the result is the
  tuple ``(weights, biases)``.
"""

from __future__ import annotations

from typing import Sequence

from reference.registry import formula


def _as_int(value: object, name: str, minimum: int) -> int:
    """An integer argument as a Python int (an integral float such as 5.0 counts)."""
    try:
        as_int = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if as_int != value:
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if as_int < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {as_int}")
    return as_int


def _sliding_output(size: int, window: int, pad: int, stride: int, axis: str) -> int:
    """``(size - window + 2 pad) / stride + 1``, exact or a ``ValueError``."""
    span = size - window + 2 * pad
    if span < 0:
        raise ValueError(
            f"the {axis} window of {window} does not fit the {axis} of the padded input ({size + 2 * pad})"
        )
    steps, remainder = divmod(span, stride)
    if remainder:
        raise ValueError(
            f"stride {stride} does not divide {axis} - window + 2·pad = {span}: the window would not end at the border"
        )
    return steps + 1


@formula("shapes.conv_output")
def conv_output(w: int, h: int, wf: int, hf: int, pad: int, stride: int) -> tuple[int, int]:
    """``((w - wf + 2 pad)/stride + 1, (h - hf + 2 pad)/stride + 1)``; ``ValueError``
    when a division is not exact or the filter does not fit the padded input."""
    w, h = _as_int(w, "w", 1), _as_int(h, "h", 1)
    wf, hf = _as_int(wf, "wf", 1), _as_int(hf, "hf", 1)
    pad, stride = _as_int(pad, "pad", 0), _as_int(stride, "stride", 1)
    return _sliding_output(w, wf, pad, stride, "width"), _sliding_output(h, hf, pad, stride, "height")


@formula("shapes.pool_output")
def pool_output(w: int, h: int, d: int, wp: int, hp: int, stride: int) -> tuple[int, int, int]:
    """``((w - wp)/stride + 1, (h - hp)/stride + 1, d)``; ``ValueError`` as for convolutions."""
    w, h, d = _as_int(w, "w", 1), _as_int(h, "h", 1), _as_int(d, "d", 1)
    wp, hp, stride = _as_int(wp, "wp", 1), _as_int(hp, "hp", 1), _as_int(stride, "stride", 1)
    return _sliding_output(w, wp, 0, stride, "width"), _sliding_output(h, hp, 0, stride, "height"), d


@formula("shapes.conv_params")
def conv_params(n_filters: int, wf: int, hf: int, depth: int) -> int:
    """``n_filters (wf hf depth + 1)``: each filter's weights plus its bias."""
    n_filters, depth = _as_int(n_filters, "n_filters", 1), _as_int(depth, "depth", 1)
    wf, hf = _as_int(wf, "wf", 1), _as_int(hf, "hf", 1)
    return n_filters * (wf * hf * depth + 1)


@formula("shapes.conv_connections")
def conv_connections(w_out: int, h_out: int, n_filters: int, wf: int, hf: int, depth: int) -> int:
    """``w_out h_out n_filters (wf hf depth + 1)``: each output unit connects to its
    filter's ``wf hf depth`` inputs and to the bias."""
    w_out, h_out = _as_int(w_out, "w_out", 1), _as_int(h_out, "h_out", 1)
    return w_out * h_out * conv_params(n_filters, wf, hf, depth)


@formula("shapes.dense_params")
def dense_params(sizes: Sequence[int]) -> tuple[int, int]:
    """``(Σ_l n_{l-1} n_l, Σ_{l≥1} n_l)`` for layer sizes ``[n_0, ..., n_L]``: the
    input layer has no biases."""
    layers = [_as_int(n, f"sizes[{i}]", 1) for i, n in enumerate(sizes)]
    if len(layers) < 2:
        raise ValueError(f"a network needs an input and at least one layer, got sizes={list(sizes)!r}")
    weights = sum(a * b for a, b in zip(layers[:-1], layers[1:]))
    return weights, sum(layers[1:])
