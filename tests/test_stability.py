"""Jacobian, contraction gain, fixed points and the coupling spectrum (SCIENCE.md E2-E5)."""

import numpy as np
import pytest
import xarray as xr
from threadpoolctl import threadpool_limits

import snt
from snt import ensembles
from snt.network import TRANSFERS

from .reference_lyapunov import jacobian as jacobian_reference
from .reference_lyapunov import step


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Eigenvalues and SVDs of matrices with N <= 800: one BLAS thread is as fast, and on a busy 2-core
    machine a two-thread LAPACK call is several times slower."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.mark.parametrize("transfer", TRANSFERS)
def test_jacobian_matches_reference_and_finite_differences(transfer):
    net = snt.Ensemble(N=9, J=1.0, g=1.7, gamma=0.4, theta_std=0.5, transfer=transfer).sample(seed=2)
    u = np.random.default_rng(0).standard_normal(net.N)
    D = snt.jacobian(net, u)
    np.testing.assert_allclose(D, jacobian_reference(net, u), rtol=1e-13, atol=1e-15)
    h = 1e-6
    fd = np.column_stack([(step(net, u + h * e) - step(net, u - h * e)) / (2 * h) for e in np.eye(net.N)])
    # Central differences: truncation h^2 |f'''| ~ 1e-11, cancellation 1e-16/h ~ 1e-10.
    np.testing.assert_allclose(D, fd, atol=1e-8)
    batch = snt.jacobian(net, np.stack([u, -u]))
    assert batch.shape == (2, net.N, net.N)
    np.testing.assert_array_equal(batch[0], D)
    with pytest.raises(ValueError, match="u must have shape"):
        snt.jacobian(net, np.zeros(net.N + 1))


def test_contraction_gain():
    net = snt.Ensemble(N=50, J=1.0, gamma=0.3).sample(seed=1)
    g_as = snt.contraction_gain(net)
    assert g_as == pytest.approx(0.7 / np.linalg.svd(net.J, compute_uv=False)[0], rel=1e-12)
    # Below g_as the map contracts: |F(u) - F(v)| <= (gamma + g ||J||) |u - v| < |u - v| for any pair.
    sub = net.replace(g=0.99 * g_as)
    rng = np.random.default_rng(0)
    for _ in range(20):
        u, v = rng.standard_normal((2, net.N)) * 3
        assert np.linalg.norm(step(sub, u) - step(sub, v)) < np.linalg.norm(u - v)
        assert np.linalg.norm(snt.jacobian(sub, u), 2) < 1.0
    # Large-N limit ||J||_2 -> 2J: at N = 800 the top singular value of J is 2(1 + O(N^-2/3)) ~ 2 +- 0.05.
    big = snt.Ensemble(N=800, J=1.0, gamma=0.3).sample(seed=1)
    assert snt.contraction_gain(big) == pytest.approx(0.7 / 2.0, rel=0.03)
    assert snt.contraction_gain(snt.Network(np.zeros((3, 3)))) == np.inf


def test_fixed_points_one_neuron_closed_form():
    # u = tanh(2u) (w = 1, g = 2, gamma = 0): u* = 0 (unstable, DF = 2) and +-u1, u1 = tanh(2 u1).
    net = snt.Network(np.array([[1.0]]), g=2.0)
    fp = snt.fixed_points(net, starts=30, seed=0, scale=2.0)
    u = np.sort(fp.u_star.values[:, 0])
    u1 = 0.9575040240772687  # root of u = tanh(2u), by bisection to 1e-15
    np.testing.assert_allclose(u, [-u1, 0.0, u1], atol=1e-12)
    for p in range(fp.sizes["point"]):
        x = float(fp.u_star[p, 0])
        slope = 2.0 / np.cosh(2.0 * x) ** 2
        assert float(fp.spectral_radius[p]) == pytest.approx(slope, rel=1e-12)
        assert bool(fp.stable[p]) == (abs(x) > 0.5)
    assert int(fp.hits.sum()) + int(fp.n_failed) == 30


def test_fixed_points_of_a_network_agree_with_simulation_and_eigenvalues():
    net = snt.Ensemble(N=60, J=1.0, g=0.7, gamma=0.3, theta_std=0.5).sample(seed=4)
    fp = snt.fixed_points(net, starts=4, seed=1)
    assert fp.sizes["point"] == 1 and bool(fp.stable[0])       # g < g_c: one stable fixed point
    u_star = fp.u_star[0].values
    assert float(fp.residual[0]) < 1e-12
    sim = snt.simulate(net, 1, transient=2000, record=("m",), seed=3)
    np.testing.assert_allclose(sim.u_final[0], u_star, atol=1e-10)   # rho^2000 ~ 0
    ev = np.linalg.eigvals(jacobian_reference(net, u_star))
    np.testing.assert_allclose(np.sort(np.abs(fp.eigenvalues[0].values)), np.sort(np.abs(ev)), atol=1e-12)
    assert np.all(np.diff(np.abs(fp.eigenvalues[0].values)) <= 1e-15)
    assert float(fp.log_spectral_radius[0]) == pytest.approx(np.log(np.abs(ev).max()), abs=1e-12)
    assert float(fp.M_star[0]) == pytest.approx(np.tanh(0.7 * u_star).mean(), rel=1e-12)


def test_fixed_points_given_starts_and_round_trip(tmp_path):
    net = snt.Network(np.array([[0.0, 1.2], [1.2, 0.0]]), g=2.0)    # symmetric: several fixed points
    starts = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [0.01, -0.01], [1.1, 0.9]])
    fp = snt.fixed_points(net, starts=starts)
    assert int(fp.n_starts) == 5
    for p in range(fp.sizes["point"]):
        u = fp.u_star[p].values
        np.testing.assert_allclose(net.J @ np.tanh(2 * u), u, atol=1e-12)
    assert fp.sizes["point"] >= 3
    assert fp.attrs["seed_entropy"].startswith("none")
    path = snt.save(fp, tmp_path / "fp.nc")
    xr.testing.assert_identical(snt.open(path), fp)


def test_fixed_points_root_with_a_singular_jacobian():
    # At g_c the origin is a root where DG = DF - I is singular: the Newton polish used to raise LinAlgError
    for J in (np.array([[1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])):
        fp = snt.fixed_points(snt.Network(J, g=1.0), starts=np.zeros((1, len(J))))
        np.testing.assert_array_equal(fp.u_star.values, np.zeros((1, len(J))))
        assert float(fp.spectral_radius[0]) == pytest.approx(1.0, abs=1e-12)


def test_fixed_points_bad_input():
    net = snt.Ensemble(N=5, J=1.0, g=0.5, sigma=0.1).sample(seed=1)
    with pytest.raises(ValueError, match="sigma = 0.1 > 0.*noiseless"):
        snt.fixed_points(net)
    quiet = net.replace(sigma=0.0)
    with pytest.raises(ValueError, match="starts must be >= 1"):
        snt.fixed_points(quiet, starts=0)
    with pytest.raises(ValueError, match="starts must be"):
        snt.fixed_points(quiet, starts=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="scale must be in"):
        snt.fixed_points(quiet, scale=0.0)
    with pytest.raises(ValueError, match="tol must be in"):
        snt.fixed_points(quiet, tol=-1.0)


def test_coupling_spectrum_circle_and_outlier():
    net = snt.Ensemble(N=200, J=1.0, Jbar=2.5).sample(seed=3)
    spec = snt.coupling_spectrum(net)
    ev = np.linalg.eigvals(net.J)
    np.testing.assert_allclose(np.sort(np.abs(spec.eigenvalue.values)), np.sort(np.abs(ev)), atol=1e-10)
    assert float(spec.radius) == 1.0 and float(spec.predicted_outlier) == 2.5
    # One outlier near Jbar (its fluctuation is O(1/sqrt(N)) = 0.05); the bulk within the disc of radius J
    # enlarged by 5/sqrt(N) (edge fluctuations are O(N^-1/2)).
    assert int(spec.outside.sum()) == 1
    assert complex(spec.eigenvalue[0]).real == pytest.approx(2.5, abs=0.2)
    # E5: the origin loses stability where |gamma + g mu| = 1 first: just below stable, just above not.
    net = snt.Ensemble(N=40, J=1.0, gamma=0.4).sample(seed=5)
    g1 = float(snt.coupling_spectrum(net).first_bifurcation_gain)
    for x, stable in ((0.999, True), (1.001, False)):
        rho = np.abs(np.linalg.eigvals(snt.jacobian(net.replace(g=g1 * x), np.zeros(net.N)))).max()
        assert (rho < 1) == stable


def test_coupling_spectrum_ellipse_from_moments(tmp_path):
    eta = 0.5
    J = ensembles.correlated(300, J=1.0, eta=eta, seed=2)
    spec = snt.coupling_spectrum(snt.Network(J))
    # Moment estimates of J and eta from 300^2 entries: errors ~ 1/N = 0.003 (use 0.02).
    assert float(spec.radius) == pytest.approx(1.0, abs=0.02)
    assert float(spec.eta) == pytest.approx(eta, abs=0.02)
    z = spec.eigenvalue.values
    inside = (z.real / 1.5) ** 2 + (z.imag / 0.5) ** 2 <= (1 + 5 / np.sqrt(300)) ** 2
    assert inside.mean() > 0.99 and not spec.outside.any()
    # The law fills the ellipse: the real extent reaches ~J(1+eta), well beyond the circle of radius J.
    assert np.abs(z.real).max() > 1.35
    b = spec.boundary.values
    assert np.abs(b.real).max() == pytest.approx(1.5 * float(spec.radius) / 1.0, rel=0.02)
    override = snt.coupling_spectrum(snt.Network(J), radius=2.0, eta=0.0)
    assert float(override.radius) == 2.0 and "radius given" in override.attrs["parameters"]
    path = snt.save(spec, tmp_path / "spec.nc")
    xr.testing.assert_identical(snt.open(path), spec)


def test_coupling_spectrum_dale_radius_from_centred_moments():
    J = ensembles.dale(300, frac_exc=0.8, J=1.0, seed=1)
    spec = snt.coupling_spectrum(snt.Network(J))
    # Row/column means removed: the within-column variance gives the bulk radius J = 1 (Rajan-Abbott).
    assert float(spec.radius) == pytest.approx(1.0, abs=0.05)
