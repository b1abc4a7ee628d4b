"""The spectral-learning experiments at small sizes (the full protocols are slow tests and
analysis/spectral_learning.py): ground-truth relevance, teacher–student, architecture search, figures."""

import json

import matplotlib
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from snt import spectral

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def one_blas_thread():
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def independent():
    X, y, r = spectral.datasets.independent_gaussians(n_samples=20000, seed=0)
    with threadpool_limits(1, user_api="blas"):
        net = spectral.SpectralMLP(hidden=(30,), activation="tanh", epochs=30, batch_size=500, lr_decay=0.93,
                                   validation=0, seed=0).fit(X[:16000], y[:16000])
    return X, y, r, net


def test_relevance_recovers_independent_ground_truth(independent):
    """20 000 items, one layer of 30 (the papers' 60 000 items and four layers: analysis/spectral_learning.py).
    Seeds 0, 1, 2 of the network gave Spearman 0.919, 0.943, 0.936 and irrelevant maxima 0.030, 0.026, 0.016."""
    X, y, r, net = independent
    assert net.score(X[16000:], y[16000:]) > 0.99
    rec = spectral.relevance_recovery(spectral.feature_relevance(net), r)
    assert rec["spearman"] >= 0.9 and rec["spearman_relevant"] >= 0.9
    assert rec["max_irrelevant"] < 0.05
    perm = spectral.relevance_recovery(spectral.permutation_relevance(net, X[16000:], y[16000:], seed=0), r)
    assert perm["spearman_relevant"] >= 0.8
    sal = spectral.gradient_saliency(net, X[16000:], y[16000:])
    assert sal.sizes["feature"] == 20 and np.all(sal.relevance.values >= 0)


def test_relevance_recovers_correlated_pairs():
    """The class is only in the pairs' joint distribution: both members ranked by rho, the noise last."""
    X, y, r = spectral.datasets.correlated_gaussians(n_samples=10000, seed=0)
    net = spectral.SpectralMLP(hidden=(64, 32), epochs=40, batch_size=200, lr_decay=0.93, validation=0,
                               seed=0).fit(X, y)
    assert net.score(X, y) > 0.95
    s = spectral.feature_relevance(net).normalized.values
    pairs = s[:8].reshape(4, 2)[np.argsort([-0.7, -0.8, -0.4, -0.6])]     # pairs by decreasing rho
    assert all(pairs[k].min() > pairs[k + 1].max() for k in range(3))
    assert s[8:].max() < 0.05 * s.max() and s[8:].max() < s[:8].min()


def test_teacher_student_small():
    """Teacher of 4 nodes, student of 16: the spectral student keeps about the teacher's size, the dense one
    does not cut; pruning down to the teacher's size costs little, below it much more."""
    ds = spectral.teacher_student(student_sizes=(16,), teacher_size=4, teacher_second=3, trials=1, n_train=2000,
                                  n_test=2000, epochs=200, eigen_l2=2e-2, base_l2=1e-2, second_l2=1e-2,
                                  lr_decay=0.995, seed=0)
    spec, dense = ds.sel(model="spectral", size=16, trial=0), ds.sel(model="direct", size=16, trial=0)
    assert abs(int(spec.n_active) - 4) <= 1          # measured: 4 (7 with second_l2=1e-3 at this size)
    hist = spec.n_active_history.values
    assert bool(spec.settled) and np.all(hist[-50:] == hist[-1])       # the count stopped moving
    assert hist[0] > hist[-1]                                            # ... after falling from the start
    assert int(dense.n_active) >= 12
    kept, dm, mse = spec.n_kept.values, spec.delta_mse.values, float(spec.mse)
    above = dm[kept >= 4].max()
    below = dm[(kept <= 2) & (kept > 0)].min()
    assert above < 0.5 * mse and below > 3 * above
    assert json.loads(ds.attrs["parameters"])["teacher_size"] == 4
    with pytest.raises(ValueError, match="trials"):
        spectral.teacher_student(trials=0)


def test_teacher_student_is_invariant_to_the_target_scale():
    """A teacher whose output is 4 times smaller (a power of two: the rescaled targets are bit-identical) gives
    the same students with target_std set; on raw targets the same settings give another count (measured: 9
    nodes after 120 epochs against the teacher's 4)."""
    from snt.spectral.teacher import teacher_network
    kw = dict(student_sizes=(12,), teacher_size=4, teacher_second=3, trials=1, n_train=1500, n_test=1000,
              epochs=120, eigen_l2=2e-2, base_l2=1e-2, second_l2=1e-2, lr_decay=0.995, seed=0)
    base = teacher_network(10, 4, 3, [0, 0])
    small = base.copy()
    small.layers[-1].phi = small.layers[-1].phi / 4
    a = spectral.teacher_student(teacher=base, **kw)
    b = spectral.teacher_student(teacher=small, **kw)
    np.testing.assert_array_equal(a.n_active.values, b.n_active.values)
    np.testing.assert_array_equal(a.delta_mse.values, b.delta_mse.values)
    np.testing.assert_allclose(b.target_std.values, a.target_std.values / 4, rtol=1e-15)
    raw = spectral.teacher_student(teacher=small, target_std=None, **kw)
    assert a.n_active.sel(model="spectral").item() == 4
    assert raw.n_active.sel(model="spectral").item() != 4
    with pytest.raises(ValueError, match="target_std"):
        spectral.teacher_student(target_std=0.0)


def test_teacher_node_loss_against_numpy():
    """teacher_node_loss: the teacher's MSE without one first-layer node over the variance of the training
    targets, against the teacher written out in numpy (relu(relu(x W1) W2) summed, the node's column zeroed)."""
    from snt.spectral.teacher import teacher_network
    ds = spectral.teacher_student(student_sizes=(2,), teacher_size=5, teacher_second=3, trials=2, n_train=300,
                                  n_test=400, epochs=1, seed=3)
    t = teacher_network(10, 5, 3, np.random.SeedSequence(3, spawn_key=(0,)))     # the teacher's child
    W1, W2 = t.layers[0].weights(), t.layers[1].weights()

    def out(x, w1):
        return np.maximum(np.maximum(x @ w1, 0) @ W2, 0).sum(1)

    for trial in range(2):
        drng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(1, trial)))   # the data's child
        X, Xs = drng.standard_normal((300, 10)), drng.standard_normal((400, 10))
        ref = []
        for i in range(5):
            w = W1.copy()
            w[:, i] = 0
            ref.append(np.mean((out(Xs, w) - out(Xs, W1)) ** 2) / np.std(out(X, W1)) ** 2)
        np.testing.assert_allclose(ds.teacher_node_loss.values[trial], ref, rtol=1e-10)


def test_select_then_refit():
    """select_l2: the inputs kept are those of the selection fit (its relevance above select_tol of the maximum,
    the same fit as SpectralMLP(eigen_l2=select_l2)); the refit gives the others exactly zero weights."""
    X, y, r = spectral.datasets.independent_gaussians(n_samples=4000, seed=0)
    kw = dict(hidden=(16,), activation="tanh", epochs=15, batch_size=200, lr_decay=0.9, validation=0, seed=0)
    sel = spectral.feature_relevance(spectral.SpectralMLP(eigen_l2=1e-3, **kw).fit(X, y)).normalized.values
    net = spectral.SpectralMLP(select_l2=1e-3, **kw).fit(X, y)
    np.testing.assert_array_equal(net.selected_features_, sel > 1e-3)
    assert 0 < net.selected_features_.sum() < 20
    rel = spectral.feature_relevance(net).relevance.values
    assert np.all(rel[~net.selected_features_] == 0) and np.all(rel[net.selected_features_] > 0)
    Z = X.copy()
    Z[:, ~net.selected_features_] = 7.0                       # the dropped inputs do not reach the output
    np.testing.assert_array_equal(net.predict_proba(Z), net.predict_proba(X))
    assert len(net.selection_history_["loss"]) == 15
    with pytest.raises(ValueError, match="select_l2"):
        spectral.SpectralMLP(select_l2=1e-3, eigenvalues="out", **kw).fit(X, y)


@pytest.fixture(scope="module")
def search_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 4))
    y_lin = (X @ rng.standard_normal(4) > 0).astype(int)
    y_t = np.maximum(X @ rng.standard_normal((4, 3)), 0).sum(1)
    return X, y_lin, (y_t - y_t.mean()) / y_t.std()


def test_architecture_search_gradient():
    from snt.spectral.search import ArchitectureSearch
    rng = np.random.default_rng(0)
    for loss in ("mse", "xent"):
        net = ArchitectureSearch(4, 3, 5, 2, loss, 1e-2, 1e-2, rng)
        th = net.get_theta() + 0.1 * rng.standard_normal(net.get_theta().size)
        X = rng.standard_normal((7, 4))
        Y = rng.integers(0, 3, 7) if loss == "xent" else rng.standard_normal((7, 3))
        net.set_theta(th)
        g = net.loss_grad(X, Y)[1]
        gn = np.empty_like(th)
        for i in range(len(th)):
            d = np.zeros_like(th)
            d[i] = 1e-6
            net.set_theta(th + d)
            a = net.loss_grad(X, Y)[0]
            net.set_theta(th - d)
            gn[i] = (a - net.loss_grad(X, Y)[0]) / 2e-6
        assert np.linalg.norm(g - gn) / np.linalg.norm(gn) < 1e-6


def test_without_layer_is_exact_on_a_linear_layer():
    """Replacing a hidden layer whose kept nodes are always on (and dropped nodes always off) by its linear map,
    composed into the neighbours, leaves the output unchanged (S12a), for every layer of depths 2 and 3."""
    from snt.spectral.search import ArchitectureSearch
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 4))
    for D in (2, 3):
        for k in range(1, D + 1):
            net = ArchitectureSearch(4, 2, 6, D, "mse", 1e-3, 1e-3, rng)
            net.set_theta(net.get_theta() + 0.3 * rng.standard_normal(net.get_theta().size))
            net.chain[k - 1].bias[...] = 50.0          # every node of layer k on ...
            net.chain[k - 1].bias[2] = -50.0           # ... but node 2, always off
            keep = np.ones(6, bool)
            keep[2] = False
            new = net.without_layer(k, keep)
            assert len(new.chain) == D - 1
            np.testing.assert_allclose(new.output(X), net.output(X), rtol=1e-12, atol=1e-12)
            wrong = net.without_layer(k, np.ones(6, bool))    # passing node 2 through is not its map
            assert np.abs(wrong.output(X) - net.output(X)).max() > 1e-3


def test_architecture_search_linear_data_needs_no_hidden_layer(search_data):
    X, y_lin, _ = search_data
    ds, net = spectral.architecture_search(X, y_lin, max_width=8, max_depth=2, epochs=150, batch_size=100,
                                           eigen_l2=1e-2, base_l2=1e-2, seed=0)
    assert ds.attrs["depth"] == 0 and ds.attrs["effective_depth"] == 0 and len(net.chain) == 0
    assert np.mean(np.argmax(net.output(X), 1) == y_lin) > 0.97


def test_architecture_search_teacher_width(search_data):
    X, _, y_t = search_data
    ds, net = spectral.architecture_search(X, y_t, max_width=8, max_depth=2, epochs=150, batch_size=100,
                                           eigen_l2=1e-2, base_l2=1e-2, seed=0)
    """5 -> 3 ReLU -> sum: the search first keeps a second, linear layer (a deeper path costs less L2 per unit
    of scale); the removal stage composes it away because the validation loss does not rise (S12a)."""
    assert ds.attrs["depth"] == 1 and ds.attrs["effective_depth"] == 1 and len(net.chain) == 1
    assert abs(json.loads(ds.attrs["widths"])[0] - 3) <= 1
    log = json.loads(ds.attrs["layer_removal"])
    assert [(r["layer"], r["removed"]) for r in log] == [(2, True), (1, False)]
    assert log[1]["validation_loss"] > 10 * log[1]["reference"]       # the nonlinear layer is needed


def test_figures(independent):
    import matplotlib.pyplot as plt
    from snt import plot
    X, y, r, net = independent
    ax = plot.relevance_vs_truth({"spectral": spectral.feature_relevance(net)}, r)
    assert len(ax.lines) == 2
    curve = spectral.prune(spectral.SpectralMLP(hidden=(6,), eigenvalues="out", epochs=2, seed=0).fit(X[:500], y[:500]),
                           [6, 3, 1], X[:200], y[:200])
    assert len(plot.pruning_curve({"spectral": curve}).lines) == 1
    ds = spectral.teacher_student(student_sizes=(3, 5), teacher_size=2, teacher_second=2, trials=2, n_train=200,
                                  n_test=200, epochs=2, seed=0)
    a, b = plot.teacher_student(ds)
    assert len(a.lines) >= 1 and len(b.lines) >= 4
    sd, _ = spectral.architecture_search(X[:300, :4], y[:300], max_width=4, max_depth=2, epochs=2, seed=0)
    assert plot.architecture_importance(sd).images
    plt.close("all")


@pytest.mark.filterwarnings("ignore:rsn. training accuracy:RuntimeWarning")     # two steps: a formula check only
def test_attractor_relevance_formula():
    """R_j = sum over trained modes of |lambda_k| ||Phi_:,k|| |Psi_kj|, checked against an explicit loop."""
    from snt.classify import AttractorClassifier
    X, y, r = spectral.datasets.independent_gaussians(n_samples=300, n_features=6, n_relevant=3, seed=1)
    X = (X - X.min(0)) / (X.max(0) - X.min(0))               # the models' input range
    clf = AttractorClassifier(model="rsn", optimizer="adam", maxiter=2, batch_size=50, seed=0).fit(X, y)
    ds = spectral.attractor_relevance(clf)
    phi = clf.coupling_.phi
    psi = np.linalg.inv(phi)
    lam = clf.params_.lam_tr
    ref = [sum(abs(lam[k]) * np.linalg.norm(phi[:, k]) * abs(psi[k, j]) for k in range(lam.size)) for j in range(6)]
    np.testing.assert_allclose(ds.relevance.values, ref, rtol=1e-10)
    assert ds.sizes["feature"] == 6


@pytest.mark.slow
def test_teacher_student_defaults_count_the_teacher():
    """The default protocol (S10b) on the default teacher of 20 nodes, a student of 60: the spectral count
    settles within 2 of the teacher's size (measured over the teachers of seeds 0-4: 18-22 for every student
    size, 20 for this one), pruning down to 20 nodes costs almost nothing and below much more; the dense
    student keeps far more than 20 nodes above the cutoff."""
    ds = spectral.teacher_student(student_sizes=(60,), trials=1, seed=0)
    spec, dense = ds.sel(model="spectral", size=60, trial=0), ds.sel(model="direct", size=60, trial=0)
    assert bool(spec.settled) and abs(int(spec.n_active) - 20) <= 2
    kept, dm = spec.n_kept.values, spec.delta_mse.values
    assert dm[kept >= 20].max() < 0.01 and dm[(kept < 18) & (kept > 0)].min() > 0.1
    assert int(dense.n_active) >= 40


@pytest.mark.slow
def test_relevance_four_layer_network_independent_gaussians():
    """The input-relevance code's network (Spectral(100, tanh), (100, relu), (50, relu), 2) on 60 000 items with
    eigenvalue L2 1e-4 (S4a): Spearman >= 0.9 and every irrelevant feature below 5 % of the maximum (measured
    over two seeds: 0.935, irrelevant below 1e-10); with the code's 1e-6 the largest irrelevant one stays at
    7.9 %, the chance correlation that logistic regression on the same items also finds (10.4 %)."""
    X, y, r = spectral.datasets.independent_gaussians(n_samples=60000, seed=0)
    net = spectral.SpectralMLP(hidden=(100, 100, 50), activation=("tanh", "relu", "relu"), eigen_l2=1e-4,
                               base_l2=1e-2, lr=0.01, lr_decay=0.93, batch_size=500, epochs=60, validation=0,
                               seed=0).fit(X[:48000], y[:48000])
    assert net.score(X[48000:], y[48000:]) > 0.99
    rec = spectral.relevance_recovery(spectral.feature_relevance(net), r)
    assert rec["spearman"] >= 0.9 and rec["max_irrelevant"] < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("name, n, epochs", [("independent_gaussians", 60000, 40), ("correlated_gaussians", 100000, 20)])
def test_relevance_select_and_refit(name, n, epochs):
    """(S4b) on the input-relevance code's network and data sizes, the same rule on both sets: selection with
    c_lambda = 5 / n_train, refit with 1e-6. Measured (seed 0; seeds 1, 2 in analysis/results): independent, the
    9 features of r_f >= 0.38 kept, Spearman 0.958, irrelevant exactly 0; correlated, the 8 pair members kept,
    pairs ordered by rho, noise exactly 0."""
    X, y, r = getattr(spectral.datasets, name)(n_samples=n, seed=0)
    m = int(0.8 * n)
    net = spectral.SpectralMLP(hidden=(100, 100, 50), activation=("tanh", "relu", "relu"), eigen_l2=1e-6,
                               select_l2=5.0 / m, base_l2=1e-2, lr=0.01, lr_decay=0.93, batch_size=500,
                               epochs=epochs, validation=0, seed=0).fit(X[:m], y[:m])
    s = spectral.feature_relevance(net).normalized.values
    assert np.all(s[r == 0] == 0)
    if name == "independent_gaussians":
        assert net.score(X[m:], y[m:]) > 0.99
        assert spectral.relevance_recovery(spectral.feature_relevance(net), r)["spearman"] >= 0.9
    else:
        assert net.score(X[m:], y[m:]) > 0.98
        pairs = s[:8].reshape(4, 2)[np.argsort([-0.7, -0.8, -0.4, -0.6])]
        assert all(pairs[k].min() > pairs[k + 1].max() for k in range(3))
        assert s[8:].max() < s[:8].min()
