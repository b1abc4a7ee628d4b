"""Spectral parametrisation A = Φ Λ Φ⁻¹: eigen-relations, exact gradients, orthogonality penalty."""

import numpy as np
import pytest

from snt.classify.spectral import SpectralCoupling, orthogonal_columns, orthogonality_penalty


def richardson(f, x, d, h=1e-4):
    """Central difference along d, Richardson-extrapolated (error O(h^4))."""
    c = lambda h: (f(x + h * d) - f(x - h * d)) / (2 * h)  # noqa: E731
    return (4 * c(h / 2) - c(h)) / 3


@pytest.fixture
def setup():
    rng = np.random.default_rng(3)
    n, k = 9, 3
    phi = rng.standard_normal((n, n - k))
    lam = rng.standard_normal(n - k)
    fix = rng.standard_normal((n, k))
    return rng, phi, lam, fix


def test_matrix_has_the_planted_spectrum(setup):
    rng, phi, lam, fix = setup
    c = SpectralCoupling(phi, lam, fix, 0.7)
    # A Φ = Φ Λ column by column, and any vector of span(Φ_fix) has eigenvalue 0.7
    np.testing.assert_allclose(c.A @ phi, phi * lam, atol=1e-11)
    v = fix @ rng.standard_normal(3)
    np.testing.assert_allclose(c.A @ v, 0.7 * v, atol=1e-11)
    # plain-numpy reference
    full = np.concatenate([phi, fix], 1)
    ref = full @ np.diag(np.r_[lam, [0.7] * 3]) @ np.linalg.inv(full)
    np.testing.assert_allclose(c.A, ref, atol=1e-11)


def test_backward_matches_central_differences(setup):
    rng, phi, lam, fix = setup
    W = rng.standard_normal((9, 9))

    def loss(phi_, lam_, mu):
        A = SpectralCoupling(phi_, lam_, fix, mu).A
        return float(np.sum(W * A) + 0.5 * np.sum(A**2))  # nonlinear in A

    c = SpectralCoupling(phi, lam, fix, 0.7)
    d_phi, d_lam, d_mu = c.backward(W + c.A)
    D = rng.standard_normal(phi.shape)
    fd = richardson(lambda t: loss(phi + t * D, lam, 0.7), 0.0, 1.0)
    assert abs(np.sum(d_phi * D) - fd) / abs(fd) < 1e-6
    e = rng.standard_normal(lam.shape)
    fd = richardson(lambda t: loss(phi, lam + t * e, 0.7), 0.0, 1.0)
    assert abs(d_lam @ e - fd) / abs(fd) < 1e-6
    fd = richardson(lambda t: loss(phi, lam, 0.7 + t), 0.0, 1.0)
    assert abs(d_mu - fd) / abs(fd) < 1e-6


def test_orthogonality_penalty_value_and_gradient(setup):
    rng, phi, _, _ = setup
    r, g = orthogonality_penalty(phi, 0.01)
    m = phi.shape[1]
    u = phi / np.linalg.norm(phi, axis=0)
    ref = sum(abs(u[:, i] @ u[:, j]) for i in range(m) for j in range(m) if i != j) * 0.01 / (m * (m - 1))
    assert r == pytest.approx(ref, rel=1e-12)
    D = rng.standard_normal(phi.shape)
    fd = richardson(lambda t: orthogonality_penalty(phi + t * D, 0.01)[0], 0.0, 1.0)
    assert abs(np.sum(g * D) - fd) / abs(fd) < 1e-6
    # orthogonal columns: zero penalty
    q = orthogonal_columns(9, 6, 1.15, np.random.default_rng(0))
    np.testing.assert_allclose(q.T @ q, 1.15**2 * np.eye(6), atol=1e-12)
    assert orthogonality_penalty(q, 0.01)[0] < 1e-15


def test_shape_errors():
    with pytest.raises(ValueError, match="square"):
        SpectralCoupling(np.ones((4, 2)), np.ones(2), np.ones((4, 1)), 0.0)
    with pytest.raises(ValueError, match="lam_tr"):
        SpectralCoupling(np.ones((4, 2)), np.ones(3), np.ones((4, 2)), 0.0)
