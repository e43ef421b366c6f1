"""Wrong implementations of the matcalc family, as students write them."""

from __future__ import annotations

import numpy as np

from mistakes import mutant

# A non-symmetric, well-conditioned matrix with a negative determinant (-7.25).
_K = np.array([[2.0, 1.0, 0.0], [-1.0, 0.5, 1.5], [0.5, 2.0, -1.0]])
_A = np.array([[1.0, 2.0], [-1.0, 0.5]])  # non-symmetric


def _quadratic():
    return _A.copy(), np.array([1.0, -2.0])


def _bilinear_square():
    return np.array([1.0, -2.0]), _A.copy(), np.array([0.5, 3.0])


def _bilinear_rectangular():
    A = np.array([[1.0, 2.0, -1.0], [0.5, -1.5, 2.0]])
    return np.array([1.0, -2.0]), A, np.array([0.5, 3.0, -1.0])


def _square():
    return (_K.copy(),)


def _trace():
    W = np.array([[1.0, 2.0, -1.0], [0.5, -1.5, 2.0]])  # (m, n) = (2, 3)
    A = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, -0.5]])  # (n, m) = (3, 2)
    return W, A


def _trace_quadratic():
    return np.array([[1.0, 2.0], [0.5, -1.5], [-1.0, 0.25]]), _A.copy()


def _vector():
    return (np.array([3.0, -4.0, 1.0]),)


def _inverse_backward():
    G = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0], [-1.0, 0.5, 2.0]])
    return _K.copy(), G

def _in_thirds(witness):
    """The witness with every array divided by 3: entries float32 cannot represent exactly."""

    def divided():
        return tuple(a / 3.0 if isinstance(a, np.ndarray) else a for a in witness())

    return divided



def _f32(*arrays):
    return [np.asarray(a, dtype=np.float32) for a in arrays]


# -- matcalc.quadratic_grad ----------------------------------------------------------


@mutant("matcalc.quadratic_grad", bug="derivation", killed_by=["test_quadratic_grad_depends_on_symmetric_part_only", "test_quadratic_grad_agrees_with_reference", "test_quadratic_grad_is_derivative"], witness=_quadratic)
def quadratic_grad_assumes_symmetric(A, x):
    """Uses 2Ax, which is the gradient of xᵀAx only when A is symmetric; in general it is (A + Aᵀ)x."""
    return 2.0 * A @ x


@mutant("matcalc.quadratic_grad", bug="derivation", killed_by=["test_quadratic_grad_satisfies_euler_identity", "test_quadratic_grad_depends_on_symmetric_part_only", "test_quadratic_grad_agrees_with_reference", "test_quadratic_grad_is_derivative"], witness=_quadratic)
def quadratic_grad_one_term(A, x):
    """Differentiates only one of the two x in xᵀAx and gets Ax; both count, so the gradient is (A + Aᵀ)x."""
    return A @ x


@mutant("matcalc.quadratic_grad", bug="stability", killed_by=["test_quadratic_grad_agrees_with_reference"], witness=_in_thirds(_quadratic))
def quadratic_grad_float32(A, x):
    """Computes in float32."""
    A32, x32 = _f32(A, x)
    return (A32 + A32.T) @ x32


@mutant("matcalc.quadratic_grad", bug="contract", killed_by=["test_quadratic_grad_agrees_with_reference", "test_quadratic_grad_is_derivative"], witness=_quadratic)
def quadratic_grad_symmetrizes_in_place(A, x):
    """Forms A + Aᵀ in place in the caller's A (A += A.T)."""
    A += A.T
    return A @ x


# -- matcalc.bilinear_grads ------------------------------------------------------------


@mutant("matcalc.bilinear_grads", bug="derivation", killed_by=["test_bilinear_grads_agrees_with_reference", "test_bilinear_grads_are_derivatives", "test_bilinear_grads_satisfy_euler_identity"], witness=_bilinear_square)
def bilinear_swaps_dx_and_dy(x, A, y):
    """Returns Aᵀx as ∂f/∂x and Ay as ∂f/∂y."""
    return A.T @ x, A @ y, np.outer(x, y)


@mutant("matcalc.bilinear_grads", bug="derivation", killed_by=["test_bilinear_grads_agrees_with_reference", "test_bilinear_grads_are_derivatives", "test_bilinear_grads_satisfy_euler_identity"], witness=_bilinear_square)
def bilinear_dA_transposed(x, A, y):
    """Returns y xᵀ for ∂f/∂A (the transpose; A's shape when A is square)."""
    return A @ y, A.T @ x, np.outer(y, x)


@mutant("matcalc.bilinear_grads", bug="derivation", killed_by=["test_bilinear_grads_agrees_with_reference", "test_bilinear_grads_are_derivatives", "test_bilinear_grads_satisfy_euler_identity"], witness=_bilinear_square)
def bilinear_dy_without_transpose(x, A, y):
    """Writes ∂f/∂y = A x, missing the transpose (type-checks when A is square)."""
    return A @ y, A @ x, np.outer(x, y)


@mutant("matcalc.bilinear_grads", bug="contract", killed_by=["test_bilinear_grads_agrees_with_reference"], witness=_bilinear_rectangular)
def bilinear_returns_two_gradients(x, A, y):
    """Returns (dx, dy) and forgets dA: a tuple of two, not three."""
    return A @ y, A.T @ x


@mutant("matcalc.bilinear_grads", bug="stability", killed_by=["test_bilinear_grads_agrees_with_reference"], witness=_in_thirds(_bilinear_rectangular))
def bilinear_float32(x, A, y):
    """Computes in float32."""
    x32, A32, y32 = _f32(x, A, y)
    return A32 @ y32, A32.T @ x32, np.outer(x32, y32)


# -- matcalc.det_grad ------------------------------------------------------------------


@mutant("matcalc.det_grad", bug="derivation", killed_by=["test_det_grad_agrees_with_reference", "test_det_grad_is_derivative"], witness=_square)
def det_grad_without_transpose(K):
    """Returns det(K) K⁻¹, missing the transpose."""
    return np.linalg.det(K) * np.linalg.inv(K)


@mutant("matcalc.det_grad", bug="convention", killed_by=["test_det_grad_agrees_with_reference", "test_det_grad_is_derivative", "test_det_grad_is_homogeneous"], witness=_square)
def det_grad_unsigned_determinant(K):
    """Reads the seed's |K| as an absolute value: |det K| K⁻ᵀ, wrong when det K < 0."""
    return abs(np.linalg.det(K)) * np.linalg.inv(K).T


@mutant("matcalc.det_grad", bug="derivation", killed_by=["test_det_grad_is_homogeneous", "test_det_grad_agrees_with_reference", "test_det_grad_is_derivative"], witness=_square)
def det_grad_forgets_determinant(K):
    """Returns K⁻ᵀ, the gradient of log|det K|, not of det K."""
    return np.linalg.inv(K).T


@mutant("matcalc.det_grad", bug="stability", killed_by=["test_det_grad_agrees_with_reference"], witness=_in_thirds(_square))
def det_grad_float32(K):
    """Computes in float32."""
    (K32,) = _f32(K)
    return np.linalg.det(K32) * np.linalg.inv(K32).T


# -- matcalc.logdet_grad -----------------------------------------------------------------


@mutant("matcalc.logdet_grad", bug="derivation", killed_by=["test_logdet_grad_is_inverse_transpose", "test_logdet_grad_agrees_with_reference", "test_logdet_grad_is_derivative"], witness=_square)
def logdet_grad_without_transpose(K):
    """Returns K⁻¹, missing the transpose."""
    return np.linalg.inv(K)


@mutant("matcalc.logdet_grad", bug="edge", killed_by=["test_logdet_grad_is_inverse_transpose", "test_logdet_grad_agrees_with_reference", "test_logdet_grad_is_derivative"], witness=_square)
def logdet_grad_divides_by_absolute_determinant(K):
    """Chains ∂|det K|/∂K = det(K)K⁻ᵀ with 1/|det K|: sign(det K) K⁻ᵀ, wrong for negative determinants."""
    return np.linalg.det(K) * np.linalg.inv(K).T / abs(np.linalg.det(K))


@mutant("matcalc.logdet_grad", bug="derivation", killed_by=["test_logdet_grad_is_inverse_transpose", "test_logdet_grad_agrees_with_reference", "test_logdet_grad_is_derivative"], witness=_square)
def logdet_grad_forgets_log(K):
    """Returns det(K) K⁻ᵀ, the gradient of det K, forgetting the chain rule through log."""
    return np.linalg.det(K) * np.linalg.inv(K).T


@mutant("matcalc.logdet_grad", bug="stability", killed_by=["test_logdet_grad_agrees_with_reference", "test_logdet_grad_is_inverse_transpose"], witness=_in_thirds(_square))
def logdet_grad_float32(K):
    """Computes in float32."""
    (K32,) = _f32(K)
    return np.linalg.inv(K32).T


# -- matcalc.trace_grad --------------------------------------------------------------------


@mutant("matcalc.trace_grad", bug="derivation", killed_by=["test_trace_grad_agrees_with_reference", "test_trace_grad_is_derivative", "test_trace_grad_satisfies_euler_identity"], witness=_trace)
def trace_grad_without_transpose(W, A):
    """Returns A, missing the transpose."""
    return A.copy()


@mutant("matcalc.trace_grad", bug="derivation", killed_by=["test_trace_grad_agrees_with_reference", "test_trace_grad_is_derivative", "test_trace_grad_satisfies_euler_identity"], witness=_trace)
def trace_grad_reshapes_A(W, A):
    """Reshapes A to W's shape instead of transposing it (the shape is right, the entries are not)."""
    return A.reshape(W.shape).copy()


@mutant("matcalc.trace_grad", bug="derivation", killed_by=["test_trace_grad_agrees_with_reference", "test_trace_grad_is_derivative", "test_trace_grad_satisfies_euler_identity"], witness=_trace)
def trace_grad_with_respect_to_A(W, A):
    """Returns Wᵀ, the gradient with respect to A."""
    return W.T.copy()


@mutant("matcalc.trace_grad", bug="stability", killed_by=["test_trace_grad_agrees_with_reference"], witness=_in_thirds(_trace))
def trace_grad_float32_buffer(W, A):
    """Fills a result allocated with dtype float32."""
    out = np.zeros(W.shape, dtype=np.float32)
    out[...] = A.T
    return out


# -- matcalc.trace_quadratic_grad -----------------------------------------------------------


@mutant("matcalc.trace_quadratic_grad", bug="derivation", killed_by=["test_trace_quadratic_grad_depends_on_symmetric_part_only", "test_trace_quadratic_grad_agrees_with_reference", "test_trace_quadratic_grad_is_derivative"], witness=_trace_quadratic)
def trace_quadratic_grad_assumes_symmetric(W, A):
    """Uses the shortcut 2WA, which holds only when A is symmetric; in general both W A and W Aᵀ appear."""
    return 2.0 * W @ A


@mutant("matcalc.trace_quadratic_grad", bug="derivation", killed_by=["test_trace_quadratic_grad_satisfies_euler_identity", "test_trace_quadratic_grad_depends_on_symmetric_part_only", "test_trace_quadratic_grad_agrees_with_reference", "test_trace_quadratic_grad_is_derivative"], witness=_trace_quadratic)
def trace_quadratic_grad_one_term(W, A):
    """Keeps only the term W A of W Aᵀ + W A."""
    return W @ A


@mutant("matcalc.trace_quadratic_grad", bug="derivation", killed_by=["test_trace_quadratic_grad_agrees_with_reference", "test_trace_quadratic_grad_is_derivative"], witness=_trace_quadratic)
def trace_quadratic_grad_left_multiplied(W, A):
    """Writes (Aᵀ + A) W, multiplying on the wrong side (type-checks only when W is square)."""
    return (A.T + A) @ W


@mutant("matcalc.trace_quadratic_grad", bug="stability", killed_by=["test_trace_quadratic_grad_agrees_with_reference"], witness=_in_thirds(_trace_quadratic))
def trace_quadratic_grad_float32(W, A):
    """Computes in float32."""
    W32, A32 = _f32(W, A)
    return W32 @ A32.T + W32 @ A32


# -- matcalc.norm_grad ---------------------------------------------------------------------------


@mutant("matcalc.norm_grad", bug="derivation", killed_by=["test_norm_grad_is_unit_vector", "test_norm_grad_is_scale_invariant", "test_norm_grad_agrees_with_reference", "test_norm_grad_is_derivative"], witness=_vector)
def norm_grad_divides_by_squared_norm(p):
    """Returns p / ‖p‖² (the square root forgotten in the chain rule)."""
    return p / (p @ p)


@mutant("matcalc.norm_grad", bug="derivation", killed_by=["test_norm_grad_is_unit_vector", "test_norm_grad_is_scale_invariant", "test_norm_grad_agrees_with_reference", "test_norm_grad_is_derivative"], witness=_vector)
def norm_grad_of_squared_norm(p):
    """Returns 2p, the gradient of ‖p‖²."""
    return 2.0 * p


@mutant("matcalc.norm_grad", bug="derivation", killed_by=["test_norm_grad_is_unit_vector", "test_norm_grad_agrees_with_reference", "test_norm_grad_is_derivative"], witness=_vector)
def norm_grad_l1_norm(p):
    """Divides by the 1-norm: p / ‖p‖₁."""
    return p / np.sum(np.abs(p))


@mutant("matcalc.norm_grad", bug="stability", killed_by=["test_norm_grad_agrees_with_reference", "test_norm_grad_is_unit_vector"], witness=_in_thirds(_vector))
def norm_grad_float32(p):
    """Computes in float32."""
    (p32,) = _f32(p)
    return p32 / np.sqrt(p32 @ p32)


@mutant("matcalc.norm_grad", bug="contract", killed_by=["test_norm_grad_agrees_with_reference"], witness=_vector)
def norm_grad_normalizes_in_place(p):
    """Normalizes the caller's p in place (p /= ‖p‖) and returns it."""
    p /= np.linalg.norm(p)
    return p


# -- matcalc.inverse_backward -----------------------------------------------------------------------


@mutant("matcalc.inverse_backward", bug="derivation", killed_by=["test_inverse_backward_agrees_with_reference", "test_inverse_backward_is_derivative"], witness=_inverse_backward)
def inverse_backward_without_transposes(K, G):
    """Returns -K⁻¹ G K⁻¹, missing both transposes."""
    inv = np.linalg.inv(K)
    return -inv @ G @ inv


@mutant("matcalc.inverse_backward", bug="derivation", killed_by=["test_inverse_backward_agrees_with_reference", "test_inverse_backward_is_derivative"], witness=_inverse_backward)
def inverse_backward_one_transpose(K, G):
    """Returns -K⁻ᵀ G K⁻¹, transposing only the left factor."""
    inv = np.linalg.inv(K)
    return -inv.T @ G @ inv


@mutant("matcalc.inverse_backward", bug="derivation", killed_by=["test_inverse_backward_agrees_with_reference", "test_inverse_backward_is_derivative"], witness=_inverse_backward)
def inverse_backward_sign_lost(K, G):
    """Returns K⁻ᵀ G K⁻ᵀ, dropping the minus of d(K⁻¹) = -K⁻¹ dK K⁻¹."""
    inv_t = np.linalg.inv(K).T
    return inv_t @ G @ inv_t


@mutant("matcalc.inverse_backward", bug="derivation", killed_by=["test_inverse_backward_agrees_with_reference", "test_inverse_backward_is_derivative"], witness=_inverse_backward)
def inverse_backward_transposes_G(K, G):
    """Returns -K⁻ᵀ Gᵀ K⁻ᵀ (G transposed as well)."""
    inv_t = np.linalg.inv(K).T
    return -inv_t @ G.T @ inv_t


@mutant("matcalc.inverse_backward", bug="stability", killed_by=["test_inverse_backward_agrees_with_reference"], witness=_in_thirds(_inverse_backward))
def inverse_backward_float32(K, G):
    """Computes in float32."""
    K32, G32 = _f32(K, G)
    inv_t = np.linalg.inv(K32).T
    return -inv_t @ G32 @ inv_t
