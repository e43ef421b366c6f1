"""Wrong implementations of the backprop family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant
from reference import backprop as ref


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- witnesses ---------------------------------------------------------------------


def _linear_vector():
    W = np.array([[1.0, -2.0, 0.5], [0.5, 1.5, -1.0]])
    return np.array([1.0, -2.0]), W, np.array([0.5, -1.0, 2.0])


def _linear_square():
    W = np.array([[1.0, 2.0], [-0.5, 3.0]])
    return np.array([1.0, -2.0]), W, np.array([0.5, -1.0])


def _linear_batch():
    W = np.array([[1.0, -2.0, 0.5], [0.5, 1.5, -1.0]])
    x = np.array([[0.5, 1.0], [-1.0, 2.0], [2.0, 0.25]])
    return np.array([[1.0, -0.5], [-2.0, 1.5]]), W, x


def _mlp_witness():
    x = np.array([1.0, -0.5])
    W1 = np.array([[0.5, 1.0], [-1.0, 0.5], [1.5, -0.5]])
    b1 = np.array([0.2, -0.3, 0.1])  # z1 = [0.2, -1.55, 1.85]
    W2 = np.array([[1.0, -1.0, 0.5], [-0.5, 2.0, 1.0]])
    b2 = np.array([0.1, -0.1])
    mask = np.array([1.25, 1.25, 0.0])  # inverted dropout, p = 0.2
    return x, np.array([1.0, 0.0]), W1, b1, W2, b2, mask, 0.1


def _mlp_square_witness():
    """h = K = 2, so W2 @ v type-checks where W2ᵀ @ v is needed."""
    x = np.array([1.0, -0.5])
    W1 = np.array([[0.5, 1.0], [-1.0, 0.5]])
    b1 = np.array([0.2, -0.3])
    W2 = np.array([[1.0, -1.0], [-0.5, 2.0]])
    return x, np.array([0.0, 1.0]), W1, b1, W2, np.array([0.1, -0.1]), np.array([2.0, 2.0]), 0.1


def _relu_witness():
    W = np.array([[1.0, -0.5, 2.0], [0.5, 1.0, -1.0]])
    x = np.array([1.0, 2.0, -0.5])
    b = np.array([-0.5, 0.5])  # W x = [-1, 3], so a = [-1.5, 3.5]: one unit inactive, one active
    return W, b, x, np.array([2.0, 1.0])


def _relu_square_witness():
    W = np.array([[1.0, -0.5], [0.5, 2.0]])
    return W, np.array([0.5, 0.25]), np.array([1.0, 0.5]), np.array([-1.0, 0.5])


def _autoencoder_witness():
    W = np.array([[1.0, 0.5, -0.5], [0.25, -1.0, 0.5]])
    return W, np.array([1.0, -2.0, 0.5])


def _sigmoid_witness():
    return np.array([2.0, -3.0, -3.0]), np.array([-1.0, -2.0])  # the classic example: z = 1


def _mlp_kink_witness():
    """Unit 0 is dead (zero weight row, zero bias): z1[0] = 0 exactly; unit 1 is
    ordinary (z1[1] = -0.75), unit 2 active (z1[2] = 1.25)."""
    x = np.array([1.0, -0.5])
    W1 = np.array([[0.0, 0.0], [-0.5, 0.5], [1.0, -0.5]])
    b1 = np.array([0.0, 0.0, 0.0])
    W2 = np.array([[1.0, -1.0, 0.5], [-0.5, 2.0, 1.0]])
    return x, np.array([1.0, 0.0]), W1, b1, W2, np.array([0.1, -0.1]), np.array([1.25, 1.25, 1.25]), 0.1


def _relu_kink_witness():
    """Unit 0's bias cancels W[0] x exactly (a[0] = 0); unit 1 is active (a[1] = 3.5)."""
    W = np.array([[1.0, -0.5, 2.0], [0.5, 1.0, -1.0]])
    x = np.array([1.0, 2.0, -0.5])
    return W, np.array([1.0, 0.5]), x, np.array([2.0, 1.0])


def _in_thirds(witness):
    """The witness with every array divided by 3: entries float32 cannot represent exactly."""

    def divided():
        return tuple(a / 3.0 if isinstance(a, np.ndarray) else a for a in witness())

    return divided


# -- backprop.linear -----------------------------------------------------------------


@mutant("backprop.linear", bug="derivation", killed_by=["test_linear_agrees_with_reference", "test_linear_is_derivative_of_stated_loss"], witness=_linear_square)
def linear_dx_without_transpose(dy, W, x):
    """Writes dx = W dy (missing the transpose), which type-checks when W is square."""
    return W @ dy, ref.linear(dy, W, x)[1]


@mutant("backprop.linear", bug="edge", killed_by=["test_linear_agrees_with_reference", "test_linear_is_derivative_of_stated_loss", "test_linear_is_linear_in_dy"], witness=_linear_vector)
def linear_dW_inner_product_for_vectors(dy, W, x):
    """Writes dW = dy @ x.T, right for a batch (k, p) but an inner product (or an error) for a vector x."""
    return W.T @ dy, dy @ x.T


@mutant("backprop.linear", bug="edge", killed_by=["test_linear_agrees_with_reference", "test_linear_is_derivative_of_stated_loss"], witness=_linear_batch)
def linear_outer_for_batches(dy, W, x):
    """Writes dW = np.outer(dy, x), right for a vector x but flattening a batch (k, p)."""
    return W.T @ dy, np.outer(dy, x)


@mutant("backprop.linear", bug="convention", killed_by=["test_linear_agrees_with_reference", "test_linear_is_derivative_of_stated_loss"], witness=_linear_batch)
def linear_averages_over_batch(dy, W, x):
    """Divides dW by the batch size p: the loss Σ dy ⊙ y sums over the columns."""
    dx, dW = ref.linear(dy, W, x)
    return dx, dW / (x.shape[1] if x.ndim == 2 else 1)


@mutant("backprop.linear", bug="derivation", killed_by=["test_linear_is_linear_in_dy", "test_linear_agrees_with_reference", "test_linear_is_derivative_of_stated_loss"], witness=_linear_vector)
def linear_relu_mask_on_dy(dy, W, x):
    """Copy-pastes the ReLU layer's backward: zeroes the negative entries of dy first."""
    return ref.linear(np.maximum(dy, 0.0), W, x)


@mutant("backprop.linear", bug="stability", killed_by=["test_linear_agrees_with_reference", "test_linear_is_linear_in_dy"], witness=_in_thirds(_linear_vector))
def linear_float32(dy, W, x):
    """Computes in float32."""
    f32 = lambda v: v.astype(np.float32)  # noqa: E731
    return f32(W).T @ f32(dy), (np.outer(f32(dy), f32(x)) if x.ndim == 1 else f32(dy) @ f32(x).T)


@mutant("backprop.linear", bug="contract", killed_by=["test_linear_agrees_with_reference"], witness=_linear_vector)
def linear_returns_dW_first(dy, W, x):
    """Returns (dW, dx), the order of the parameters, not the catalogue's (dx, dW)."""
    dx, dW = ref.linear(dy, W, x)
    return dW, dx


# -- backprop.mlp_dW1 -----------------------------------------------------------------


def _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha):
    z1 = W1 @ x + b1
    a = mask * np.where(z1 > 0, z1, alpha * z1)
    z2 = W2 @ a + b2
    e = np.exp(z2 - np.max(z2))
    return z1, e / e.sum()


@mutant("backprop.mlp_dW1", bug="edge", killed_by=["test_mlp_dW1_is_zero_for_dropped_units", "test_mlp_dW1_agrees_with_reference", "test_mlp_dW1_is_derivative_of_stated_loss"], witness=_mlp_witness)
def mlp_mask_ignored_in_backward(x, y, W1, b1, W2, b2, mask, alpha):
    """Applies the dropout mask in the forward pass but forgets it in the backward pass."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2.T @ (p - y)) * np.where(z1 > 0, 1.0, alpha), x)


@mutant("backprop.mlp_dW1", bug="edge", killed_by=["test_mlp_dW1_agrees_with_reference", "test_mlp_dW1_is_derivative_of_stated_loss"], witness=_mlp_witness)
def mlp_mask_applied_twice(x, y, W1, b1, W2, b2, mask, alpha):
    """Multiplies by the mask twice (once from the cached activation, once explicitly):
    invisible with a {0, 1} mask, wrong with inverted dropout's 1/(1-p)."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2.T @ (p - y)) * mask * mask * np.where(z1 > 0, 1.0, alpha), x)


@mutant("backprop.mlp_dW1", bug="derivation", killed_by=["test_mlp_dW1_agrees_with_reference", "test_mlp_dW1_is_derivative_of_stated_loss"], witness=_mlp_witness)
def mlp_relu_slope_instead_of_leaky(x, y, W1, b1, W2, b2, mask, alpha):
    """Uses the ReLU derivative 1(z1 > 0), forgetting the leaky slope α for z1 ≤ 0."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2.T @ (p - y)) * mask * (z1 > 0), x)


@mutant("backprop.mlp_dW1", bug="derivation", killed_by=["test_mlp_dW1_agrees_with_reference", "test_mlp_dW1_is_derivative_of_stated_loss"], witness=_mlp_witness)
def mlp_residual_sign_flipped(x, y, W1, b1, W2, b2, mask, alpha):
    """Uses y - softmax(z2) instead of softmax(z2) - y."""
    return -ref.mlp_dW1(x, y, W1, b1, W2, b2, mask, alpha)


@mutant("backprop.mlp_dW1", bug="derivation", killed_by=["test_mlp_dW1_agrees_with_reference", "test_mlp_dW1_is_derivative_of_stated_loss"], witness=_mlp_square_witness)
def mlp_W2_without_transpose(x, y, W1, b1, W2, b2, mask, alpha):
    """Backpropagates through W2 instead of W2ᵀ (type-checks when h = K)."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2 @ (p - y)) * mask * np.where(z1 > 0, 1.0, alpha), x)


@mutant("backprop.mlp_dW1", bug="stability", killed_by=["test_mlp_dW1_agrees_with_reference"], witness=_mlp_witness)
def mlp_float32(x, y, W1, b1, W2, b2, mask, alpha):
    """Computes in float32."""
    args = [np.asarray(v, dtype=np.float32) for v in (x, y, W1, b1, W2, b2, mask)]
    x32, y32, W132, b132, W232, b232, m32 = args
    a32 = np.float32(alpha)
    z1 = W132 @ x32 + b132
    z2 = W232 @ (m32 * np.where(z1 > 0, z1, a32 * z1)) + b232
    e = np.exp(z2 - np.max(z2))
    return np.outer((W232.T @ (e / e.sum() - y32)) * m32 * np.where(z1 > 0, np.float32(1), a32), x32)


@mutant("backprop.mlp_dW1", bug="contract", killed_by=["test_mlp_dW1_agrees_with_reference"], witness=_mlp_witness)
def mlp_adds_into_b1(x, y, W1, b1, W2, b2, mask, alpha):
    """Computes z1 in place in the caller's b1 (b1 += W1 @ x)."""
    result = ref.mlp_dW1(x, y, W1, b1, W2, b2, mask, alpha)
    b1 += W1 @ x
    return result


_MLP_KINK_KILLERS = ["test_mlp_dW1_agrees_with_reference_at_kinks", "test_mlp_dW1_at_kinks_is_the_limit_from_below"]


@mutant("backprop.mlp_dW1", bug="convention", killed_by=_MLP_KINK_KILLERS, witness=_mlp_kink_witness)
def mlp_leaky_slope_one_at_zero(x, y, W1, b1, W2, b2, mask, alpha):
    """Takes the leaky ReLU's slope as 1 where z1 ≥ 0 (`z1 >= 0`): at z1 = 0 exactly the
    catalogue's leaky_relu'(0) is α, the slope below the kink."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2.T @ (p - y)) * mask * np.where(z1 >= 0, 1.0, alpha), x)


@mutant("backprop.mlp_dW1", bug="convention", killed_by=_MLP_KINK_KILLERS, witness=_mlp_kink_witness)
def mlp_leaky_slope_zero_at_zero(x, y, W1, b1, W2, b2, mask, alpha):
    """Writes the slope as 1 where z1 > 0 plus α where z1 < 0, which leaves 0 at z1 = 0
    exactly (ReLU's relu'(0) = 0): the catalogue's leaky_relu'(0) is α."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2.T @ (p - y)) * mask * ((z1 > 0) * 1.0 + (z1 < 0) * alpha), x)


@mutant("backprop.mlp_dW1", bug="convention", killed_by=_MLP_KINK_KILLERS, witness=_mlp_kink_witness)
def mlp_leaky_slope_from_sign(x, y, W1, b1, W2, b2, mask, alpha):
    """Builds the slope from np.sign, α + (1 - α)(1 + sign(z1))/2, which is (1 + α)/2 at
    z1 = 0 exactly: the catalogue's leaky_relu'(0) is α."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2.T @ (p - y)) * mask * (alpha + (1.0 - alpha) * (1.0 + np.sign(z1)) / 2.0), x)


@mutant("backprop.mlp_dW1", bug="convention", killed_by=_MLP_KINK_KILLERS, witness=_mlp_kink_witness)
def mlp_leaky_slope_heaviside_one(x, y, W1, b1, W2, b2, mask, alpha):
    """Uses np.heaviside(z1, 1) for the step, which is 1 at z1 = 0 exactly, so the slope
    there is 1: the catalogue's leaky_relu'(0) is α."""
    z1, p = _mlp_parts(x, y, W1, b1, W2, b2, mask, alpha)
    return np.outer((W2.T @ (p - y)) * mask * (alpha + (1.0 - alpha) * np.heaviside(z1, 1.0)), x)


# -- backprop.relu_regression -----------------------------------------------------------


@mutant("backprop.relu_regression", bug="derivation", killed_by=["test_relu_regression_inactive_units_pass_no_gradient", "test_relu_regression_agrees_with_reference", "test_relu_regression_is_derivative_of_stated_loss"], witness=_relu_witness)
def relu_regression_forgets_relu_derivative(W, b, x, z):
    """Leaves out the indicator 1(a > 0): δ = 2(relu(a) - z) also at inactive units."""
    delta = 2.0 * (np.maximum(W @ x + b, 0.0) - z)
    return np.outer(delta, x), delta, W.T @ delta


@mutant("backprop.relu_regression", bug="derivation", killed_by=["test_relu_regression_agrees_with_reference", "test_relu_regression_is_derivative_of_stated_loss"], witness=_relu_witness)
def relu_regression_missing_factor_two(W, b, x, z):
    """Differentiates the squared norm as if it had a ½ (drops the factor 2)."""
    return tuple(g / 2.0 for g in ref.relu_regression(W, b, x, z))


@mutant("backprop.relu_regression", bug="derivation", killed_by=["test_relu_regression_agrees_with_reference", "test_relu_regression_is_derivative_of_stated_loss"], witness=_relu_square_witness)
def relu_regression_dx_without_transpose(W, b, x, z):
    """Writes dx = W δ (type-checks when W is square)."""
    dW, db, _ = ref.relu_regression(W, b, x, z)
    return dW, db, W @ db


@mutant("backprop.relu_regression", bug="derivation", killed_by=["test_relu_regression_agrees_with_reference", "test_relu_regression_is_derivative_of_stated_loss"], witness=_relu_square_witness)
def relu_regression_dW_transposed(W, b, x, z):
    """Writes dW = x δᵀ: the transpose, which has W's shape when W is square."""
    dW, db, dx = ref.relu_regression(W, b, x, z)
    return dW.T, db, dx


@mutant("backprop.relu_regression", bug="stability", killed_by=["test_relu_regression_agrees_with_reference"], witness=_in_thirds(_relu_witness))
def relu_regression_float32(W, b, x, z):
    """Computes in float32."""
    W, b, x, z = (np.asarray(v, dtype=np.float32) for v in (W, b, x, z))
    a = W @ x + b
    delta = np.where(a > 0, 2 * (np.maximum(a, 0) - z), 0).astype(np.float32)
    return np.outer(delta, x), delta, W.T @ delta


@mutant("backprop.relu_regression", bug="contract", killed_by=["test_relu_regression_agrees_with_reference", "test_relu_regression_is_derivative_of_stated_loss"], witness=_relu_witness)
def relu_regression_forgets_dx(W, b, x, z):
    """Returns only (dW, db): the tuple is one short."""
    dW, db, _ = ref.relu_regression(W, b, x, z)
    return dW, db


_RELU_KINK_KILLERS = [
    "test_relu_regression_agrees_with_reference_at_kinks",
    "test_relu_regression_units_at_the_kink_pass_no_gradient",
    "test_relu_regression_at_kinks_is_the_limit_from_below",
]


@mutant("backprop.relu_regression", bug="convention", killed_by=_RELU_KINK_KILLERS, witness=_relu_kink_witness)
def relu_regression_indicator_at_zero(W, b, x, z):
    """Writes the indicator as 1(a ≥ 0) (`a >= 0`), so a unit with Wx + b = 0 exactly passes
    δ = -2z: the catalogue's relu'(0) = 0, δ = 1(a > 0) ⊙ 2(relu(a) - z)."""
    a = W @ x + b
    delta = np.where(a >= 0, 2.0 * (np.maximum(a, 0.0) - z), 0.0)
    return np.outer(delta, x), delta, W.T @ delta


@mutant("backprop.relu_regression", bug="convention", killed_by=_RELU_KINK_KILLERS, witness=_relu_kink_witness)
def relu_regression_indicator_from_sign(W, b, x, z):
    """Builds the indicator from np.sign, (1 + sign(a))/2, which is ½ at a = 0 exactly:
    the catalogue's relu'(0) = 0."""
    a = W @ x + b
    delta = (1.0 + np.sign(a)) / 2.0 * 2.0 * (np.maximum(a, 0.0) - z)
    return np.outer(delta, x), delta, W.T @ delta


@mutant("backprop.relu_regression", bug="convention", killed_by=_RELU_KINK_KILLERS, witness=_relu_kink_witness)
def relu_regression_indicator_heaviside_half(W, b, x, z):
    """Uses np.heaviside(a, 0.5) for the indicator (the "symmetric" step), ½ at a = 0
    exactly: the catalogue's relu'(0) = 0."""
    a = W @ x + b
    delta = np.heaviside(a, 0.5) * 2.0 * (np.maximum(a, 0.0) - z)
    return np.outer(delta, x), delta, W.T @ delta


# -- backprop.autoencoder -----------------------------------------------------------------


@mutant("backprop.autoencoder", bug="derivation", killed_by=["test_autoencoder_agrees_with_reference", "test_autoencoder_is_derivative_of_stated_loss"], witness=_autoencoder_witness)
def autoencoder_decoder_path_only(W, x):
    """Keeps only the path through the encoder W, W r xᵀ, forgetting the decoder Wᵀ's W x rᵀ."""
    r = W.T @ W @ x - x
    return np.outer(W @ r, x)


@mutant("backprop.autoencoder", bug="derivation", killed_by=["test_autoencoder_perfect_reconstruction_has_zero_gradient", "test_autoencoder_agrees_with_reference", "test_autoencoder_is_derivative_of_stated_loss"], witness=_autoencoder_witness)
def autoencoder_residual_plus_x(W, x):
    """Uses r = WᵀWx + x (a sign lost, as in the seed's garbled w(wᵀwx · x)xᵀ)."""
    r = W.T @ W @ x + x
    return np.outer(W @ r, x) + np.outer(W @ x, r)


@mutant("backprop.autoencoder", bug="convention", killed_by=["test_autoencoder_agrees_with_reference", "test_autoencoder_is_derivative_of_stated_loss"], witness=_autoencoder_witness)
def autoencoder_gradient_of_squared_norm(W, x):
    """Differentiates ‖WᵀWx - x‖² without the ½ (twice the gradient)."""
    return 2.0 * ref.autoencoder(W, x)


@mutant("backprop.autoencoder", bug="convention", killed_by=["test_autoencoder_agrees_with_reference", "test_autoencoder_is_derivative_of_stated_loss", "test_autoencoder_perfect_reconstruction_has_zero_gradient"], witness=_autoencoder_witness)
def autoencoder_returns_dL_dWT(W, x):
    """Returns ∂L/∂Wᵀ (shape (d, k)), as the seed writes the decoder's gradient, instead of ∂L/∂W."""
    return ref.autoencoder(W, x).T


@mutant("backprop.autoencoder", bug="stability", killed_by=["test_autoencoder_agrees_with_reference"], witness=_in_thirds(_autoencoder_witness))
def autoencoder_float32(W, x):
    """Computes in float32."""
    W, x = W.astype(np.float32), x.astype(np.float32)
    r = W.T @ (W @ x) - x
    return np.outer(W @ r, x) + np.outer(W @ x, r)


# -- backprop.sigmoid_neuron ------------------------------------------------------------------


@mutant("backprop.sigmoid_neuron", bug="derivation", killed_by=["test_sigmoid_neuron_bias_gradient_is_local_gradient", "test_sigmoid_neuron_agrees_with_reference", "test_sigmoid_neuron_is_derivative_of_stated_loss"], witness=_sigmoid_witness)
def sigmoid_neuron_uses_sigma_not_derivative(w, x):
    """Multiplies by σ(z) where the local gradient is σ(z)(1 - σ(z))."""
    s = _sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    return s * np.array([x[0], x[1], 1.0]), s * w[:2]


@mutant("backprop.sigmoid_neuron", bug="derivation", killed_by=["test_sigmoid_neuron_bias_gradient_is_local_gradient", "test_sigmoid_neuron_agrees_with_reference", "test_sigmoid_neuron_is_derivative_of_stated_loss"], witness=_sigmoid_witness)
def sigmoid_neuron_sign_flipped(w, x):
    """Writes σ'(z) = σ(z)(σ(z) - 1)."""
    dw, dx = ref.sigmoid_neuron(w, x)
    return -dw, -dx


@mutant("backprop.sigmoid_neuron", bug="derivation", killed_by=["test_sigmoid_neuron_agrees_with_reference", "test_sigmoid_neuron_is_derivative_of_stated_loss"], witness=_sigmoid_witness)
def sigmoid_neuron_swaps_weights_and_inputs(w, x):
    """Multiplies the local gradient by x for dx and by w for dw (the roles swapped)."""
    dw, _ = ref.sigmoid_neuron(w, x)
    local = dw[2]
    return local * np.array([w[0], w[1], 1.0]), local * x


@mutant("backprop.sigmoid_neuron", bug="derivation", killed_by=["test_sigmoid_neuron_agrees_with_reference", "test_sigmoid_neuron_is_derivative_of_stated_loss"], witness=_sigmoid_witness)
def sigmoid_neuron_forgets_bias_in_forward(w, x):
    """Leaves the bias w2 out of z when computing s."""
    s = _sigmoid(w[0] * x[0] + w[1] * x[1])
    local = s * (1 - s)
    return local * np.array([x[0], x[1], 1.0]), local * w[:2]


@mutant("backprop.sigmoid_neuron", bug="contract", killed_by=["test_sigmoid_neuron_agrees_with_reference"], witness=_sigmoid_witness)
def sigmoid_neuron_dw_without_bias(w, x):
    """Returns dw of shape (2,), leaving out the bias component."""
    dw, dx = ref.sigmoid_neuron(w, x)
    return dw[:2], dx
