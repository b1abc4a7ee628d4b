"""Spectral layers and networks: the layer against the spectral coupling, exact gradients, the estimator,
the data sets with ground truth, relevance and pruning."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from snt import spectral
from snt.classify import SpectralCoupling
from snt.spectral.layer import SpectralLayer, glorot_uniform
from snt.spectral.mlp import build_layers
from snt.spectral.network import SpectralNetwork
from snt.spectral import pruning


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small products: threads only add overhead on a loaded machine."""
    with threadpool_limits(1, user_api="blas"):
        yield


def _central_diff(f, theta, eps=1e-6):
    g = np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = eps
        g[i] = (f(theta + e) - f(theta - e)) / (2 * eps)
    return g


def _rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)


def test_layer_is_the_off_diagonal_block_of_the_spectral_coupling():
    """W_ji = phi_ji (lam_in_j - lam_out_i) is the (out, in) block of Phi Lambda Phi^-1, Phi = [[I,0],[phi^T,I]]."""
    rng = np.random.default_rng(0)
    n_in, n_out = 5, 3
    phi = rng.standard_normal((n_in, n_out))
    lam_in, lam_out = rng.standard_normal(n_in), rng.standard_normal(n_out)
    big = np.eye(n_in + n_out)
    big[n_in:, :n_in] = phi.T
    # SpectralCoupling takes [Phi_tr | Phi_fix]: all columns trained, none fixed, except one kept as "fixed"
    c = SpectralCoupling(big[:, :-1], np.concatenate([lam_in, lam_out])[:-1], big[:, -1:], lam_out[-1])
    lay = SpectralLayer(phi, lam_in, lam_out, activation="linear")
    np.testing.assert_allclose(c.A[n_in:, :n_in], lay.weights().T, atol=1e-13)
    np.testing.assert_allclose(c.A[:n_in, n_in:], 0.0, atol=1e-13)


@pytest.mark.parametrize("conv", ["in", "out", "both"])
@pytest.mark.parametrize("loss", ["xent", "mse"])
def test_network_gradient_matches_central_differences(conv, loss):
    rng = np.random.default_rng(1)
    n_out = 3 if loss == "xent" else 2
    layers = build_layers((4, 6, 5, n_out), ("tanh", "sigmoid", "linear"), conv, 1e-3, 1e-2, True, rng)
    # move eigenvalues and biases off their initial values so every term of the gradient is exercised
    for lay in layers:
        lay.lam_in += 0.3 * rng.standard_normal(lay.lam_in.shape)
        lay.lam_out += 0.3 * rng.standard_normal(lay.lam_out.shape)
        lay.bias += 0.1 * rng.standard_normal(lay.bias.shape)
    layers[0].mask[2] = 0.0                         # a pruned node: its terms vanish exactly
    net = SpectralNetwork(layers, loss)
    X = rng.standard_normal((7, 4))
    Y = rng.integers(0, n_out, 7) if loss == "xent" else rng.standard_normal((7, n_out))
    theta = net.get_theta()

    def f(t):
        net.set_theta(t)
        return net.loss_grad(X, Y)[0]

    net.set_theta(theta)
    _, g, gx = net.loss_grad(X, Y, input_grad=True)
    assert _rel_err(g, _central_diff(f, theta)) < 1e-6

    def fx(xflat):
        net.set_theta(theta)
        return net.loss_grad(xflat.reshape(X.shape), Y, penalty=False)[0]

    assert _rel_err(gx.ravel(), _central_diff(fx, X.ravel())) < 1e-6


def test_relu_layer_gradient_and_single_layer():
    """ReLU (kinks away from the sampled points) and a network of one linear spectral layer."""
    rng = np.random.default_rng(2)
    layers = build_layers((3, 8, 2), ("relu", "linear"), "out", 0.0, 1e-2, False, rng)
    net = SpectralNetwork(layers, "mse")
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal(5)
    theta = net.get_theta()

    def f(t):
        net.set_theta(t)
        return net.loss_grad(X, Y)[0]

    net.set_theta(theta)
    assert _rel_err(net.loss_grad(X, Y)[1], _central_diff(f, theta)) < 1e-6


def test_layer_validation_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="activation"):
        SpectralLayer(glorot_uniform(rng, 2, 3), np.ones(2), np.zeros(3), activation="swish")
    with pytest.raises(ValueError, match="lam_in"):
        SpectralLayer(glorot_uniform(rng, 2, 3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="trainable"):
        SpectralLayer(glorot_uniform(rng, 2, 3), np.ones(2), np.zeros(3), trainable=("bias",))
    with pytest.raises(ValueError, match="chain"):
        SpectralNetwork([SpectralLayer(np.ones((2, 3)), np.ones(2), np.zeros(3)),
                         SpectralLayer(np.ones((2, 3)), np.ones(2), np.zeros(3))])
    with pytest.raises(ValueError, match="eigenvalues"):
        spectral.SpectralMLP(eigenvalues="middle").fit(np.ones((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="hidden"):
        spectral.SpectralMLP(hidden=(0,)).fit(np.ones((4, 2)), [0, 1, 0, 1])


def test_independent_gaussians_ground_truth():
    X, y, r = spectral.datasets.independent_gaussians(n_samples=40000, seed=3)
    assert X.shape == (40000, 20) and (r > 0).sum() == 11 and r.max() <= 1.4
    for c in (0, 1):
        mu = X[y == c].mean(0)
        np.testing.assert_allclose(mu, c * r - 0.5 * (r > 0), atol=5 * 0.5 / np.sqrt((y == c).sum()))
    np.testing.assert_allclose(X[y == 0].std(0), 0.5, rtol=0.03)


def test_correlated_gaussians_marginals_carry_no_class():
    rho = (0.7, 0.8, 0.4, 0.6)
    X, y, r = spectral.datasets.correlated_gaussians(n_samples=40000, rho=rho, seed=4)
    np.testing.assert_array_equal(r, [0.7, 0.7, 0.8, 0.8, 0.4, 0.4, 0.6, 0.6, 0, 0])
    se = 5 * 0.5 / np.sqrt(10000)
    np.testing.assert_allclose(X[y == 0].std(0), X[y == 1].std(0), atol=se)
    # the flip probability is visible only in the pair: P(x_{2f+1} = -x_{2f} | y = 1) = rho_f
    flips = (X[y == 1][:, 1:8:2] != X[y == 1][:, 0:8:2]).mean(0)
    np.testing.assert_allclose(flips, rho, atol=0.02)
    assert np.all(X[y == 0][:, 1:8:2] == X[y == 0][:, 0:8:2])


def test_spectral_mlp_learns_and_is_deterministic():
    X, y, r = spectral.datasets.independent_gaussians(n_samples=3000, seed=0)
    kw = dict(hidden=(30,), epochs=15, batch_size=200, seed=0)
    a = spectral.SpectralMLP(**kw).fit(X[:2400], y[:2400])
    b = spectral.SpectralMLP(**kw).fit(X[:2400], y[:2400])
    assert a.score(X[2400:], y[2400:]) > 0.97
    np.testing.assert_array_equal(a.network_.get_theta(), b.network_.get_theta())
    p = a.predict_proba(X[:5])
    np.testing.assert_allclose(p.sum(1), 1.0)
    f32 = spectral.SpectralMLP(dtype="float32", **kw).fit(X[:2400], y[:2400])
    assert f32.network_.layers[0].phi.dtype == np.float32 and f32.score(X[2400:], y[2400:]) > 0.97


def test_regression_and_early_stopping():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((600, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    net = spectral.SpectralMLP(hidden=(), epochs=400, lr=0.05, batch_size=100, validation=0.2, patience=5,
                               base_l2=0.0, eigen_l2=0.0, seed=0).fit(X, y)
    assert net.score(X, y) > 0.999
    assert net.history_["stop"].startswith("early stopping")


def test_relevance_is_invariant_under_rescaling_of_a_row():
    X, y, r = spectral.datasets.independent_gaussians(n_samples=1000, seed=0)
    net = spectral.SpectralMLP(hidden=(10,), epochs=3, seed=0).fit(X, y)
    before = spectral.feature_relevance(net).relevance.values
    out_before = net.network_.output(X[:20])
    lay = net.network_.layers[0]
    lay.phi[3] *= 4.0
    lay.lam_in[3] /= 4.0
    np.testing.assert_allclose(spectral.feature_relevance(net).relevance.values, before, rtol=1e-12)
    np.testing.assert_allclose(net.network_.output(X[:20]), out_before, rtol=1e-10, atol=1e-12)


def test_relevance_recovery_metrics():
    truth = np.array([0.0, 1.0, 0.5, 0.0])
    import xarray as xr
    ds = xr.Dataset({"normalized": ("feature", np.array([0.01, 1.0, 0.4, 0.02]))})
    out = spectral.relevance_recovery(ds, truth)
    assert out["irrelevant_last"] and out["max_irrelevant"] == 0.02
    ds2 = xr.Dataset({"normalized": ("feature", np.array([0.5, 1.0, 0.4, 0.02]))})
    assert not spectral.relevance_recovery(ds2, truth)["irrelevant_last"]


def test_node_importance_and_pruning_curve():
    """A student whose λ_out of unused nodes are zero: pruning them changes nothing, pruning a used one does."""
    rng = np.random.default_rng(0)
    layers = build_layers((3, 6, 1), ("relu", "linear"), "out", 0.0, 0.0, False, rng)
    layers[0].lam_out[:] = [1.0, 0.0, 2.0, 0.0, 0.5, 0.0]
    net = SpectralNetwork(layers, "mse")
    imp = pruning.node_importance(net, 0)
    phi_norm = np.linalg.norm(layers[0].phi, axis=0)
    np.testing.assert_allclose(imp.importance.values, np.abs(layers[0].lam_out) * phi_norm * np.sqrt(6))
    X = rng.standard_normal((50, 3))
    y = net.output(X)[:, 0]
    curve = pruning.prune(net, [6, 3, 2, 0], X, y)
    np.testing.assert_allclose(curve.metric.values[:2], 0.0, atol=1e-20)
    assert curve.metric.values[2] > 0 and curve.metric.values[3] >= curve.metric.values[2] * 0.0
    with pytest.raises(ValueError, match="keep"):
        pruning.prune(net, [7], X, y)
    pn = pruning.percentile_prune(net, 50)
    np.testing.assert_array_equal(pn.layers[0].mask, [1, 0, 1, 0, 1, 0])
    p, _, s = pruning.metric_based_pruning(net, X, y, max_delta_percent=1.0)
    assert p >= 50 and s == pytest.approx(0.0, abs=1e-20)
