"""BCM layer: plain-numpy reference steps, the closed forms of the lateral inverse and of a single neuron on
orthonormal patterns, the threshold modes, the scikit-learn protocol and the errors."""

import numpy as np
import pytest
import scipy.special
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from snt import plasticity
from snt.plasticity.lateral import apply_lateral, lateral_inverse

ACT = {"relu": lambda c: np.maximum(c, 0), "logistic": scipy.special.expit, "linear": lambda c: c,
       "tanh": np.tanh}


def _data(n=40, D=12, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (n, D))


def _reference_steps(W, X, steps, *, act, s, mode, gamma, opt, lr, decay=0.0, eps=1e-30):
    """Plain numpy: full-batch steps of the Law-Cooper rule with (I - L)^{-1} from a numerical inverse."""
    K = W.shape[0]
    L = np.full((K, K), s)
    np.fill_diagonal(L, 0.0)
    M = np.linalg.inv(np.eye(K) - L)
    W = W.copy()
    tbar = np.zeros(K)
    m = np.zeros_like(W)
    v = np.zeros_like(W)
    lrs = np.broadcast_to(lr, (steps,))
    for t in range(1, steps + 1):
        lr = lrs[t - 1]
        Y = ACT[act](M @ W @ X.T)                               # (K, B)
        tb = np.mean(Y ** 2, axis=1)
        tbar = gamma * tbar + (1 - gamma) * tb
        th = (tb if mode == "batch" else tbar)[:, None]
        phi = Y * (Y - th) / (th + eps)
        dW = phi @ X / X.shape[0] - decay * W
        if opt == "sgd":
            W = W + lr * dW
        elif opt == "momentum":
            v = 0.9 * v + lr * dW
            W = W + v
        else:
            m = 0.9 * m + 0.1 * dW
            v = 0.999 * v + 0.001 * dW ** 2
            W = W + lr * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-8)
    return W, tbar


@pytest.mark.parametrize("act,s,mode,opt,decay,anneal", [
    ("relu", -0.05, "batch", "sgd", 0.0, "constant"), ("logistic", 0.0, "ema", "adam", 0.0, "exponential"),
    ("tanh", -0.3, "ema", "momentum", 0.01, "constant"), ("linear", 0.004, "batch", "adam", 0.1, "exponential")])
def test_bcm_steps_match_numpy_reference(act, s, mode, opt, decay, anneal):
    X = _data()
    K = 6
    bcm = plasticity.BCM(n_neurons=K, activation=act, lateral=s, threshold=mode, memory=0.7, optimizer=opt, lr=0.01,
                         anneal=anneal, anneal_epochs=1.5, init="he-normal", batch_size=X.shape[0], epochs=1,
                         decay=decay, seed=3)
    bcm.fit(X)
    # the initial weights: same seed and init, before any step
    from snt._seeds import as_seed_sequence, child
    from snt.plasticity.initializers import initial_weights
    W0 = initial_weights("he-normal", np.random.default_rng(child(as_seed_sequence(3), 0)), K, X.shape[1])
    for _ in range(2):
        bcm.partial_fit(X)                                    # three full-batch updates in all
    lrs = 0.01 * 2.0 ** (-np.arange(3) / 1.5) if anneal == "exponential" else 0.01    # one epoch = one step here
    W_ref, tbar = _reference_steps(W0, X, 3, act=act, s=s, mode=mode, gamma=0.7, opt=opt, lr=lrs, decay=decay)
    np.testing.assert_allclose(bcm.history_.lr, np.broadcast_to(lrs, (3,)), rtol=1e-15)
    np.testing.assert_allclose(bcm.weights_, W_ref, rtol=0, atol=1e-12 * max(1.0, np.abs(W_ref).max()))
    np.testing.assert_allclose(bcm.threshold_, tbar, rtol=1e-12)
    assert bcm.n_epochs_ == 3


def test_online_threshold_matches_per_sample_recurrence():
    X = _data(n=30)
    bcm = plasticity.BCM(n_neurons=4, activation="relu", threshold="online", tau=7.0, optimizer="sgd", lr=0.01,
                         init="he-uniform", batch_size=30, epochs=1, seed=5)
    from snt._seeds import as_seed_sequence, child
    from snt.plasticity.initializers import initial_weights
    W = initial_weights("he-uniform", np.random.default_rng(child(as_seed_sequence(5), 0)), 4, X.shape[1])
    bcm.fit(X)
    order = np.random.default_rng(child(as_seed_sequence(5), 1, 0)).permutation(30)
    Xb = X[order]
    Y = np.maximum(Xb @ W.T, 0)
    a = 1 - 1 / 7.0
    th = np.mean(Y ** 2, axis=0)                               # warm start
    phi = np.empty_like(Y)
    for b in range(30):
        th = a * th + (1 - a) * Y[b] ** 2
        phi[b] = Y[b] * (Y[b] - th) / (th + 1e-30)
    np.testing.assert_allclose(bcm.weights_, W + 0.01 * phi.T @ Xb / 30, rtol=0, atol=1e-13)
    np.testing.assert_allclose(bcm.threshold_, th, rtol=1e-12)


def test_lateral_inverse_closed_form():
    M = lateral_inverse(-0.05, 100)
    assert M[0, 0] == pytest.approx(1.0437859, abs=5e-8)
    assert M[0, 1] == pytest.approx(-0.0088456, abs=5e-8)
    L = np.full((100, 100), -0.05)
    np.fill_diagonal(L, 0)
    np.testing.assert_allclose(M, np.linalg.inv(np.eye(100) - L), rtol=0, atol=1e-14)
    C = np.random.default_rng(1).standard_normal((7, 100))
    np.testing.assert_allclose(apply_lateral(C.copy(), -0.05), C @ M.T, rtol=0, atol=1e-13)


@pytest.mark.parametrize("s", [1 / 99, -1.0, 0.5, -1.5])
def test_singular_or_indefinite_lateral_is_refused(s):
    with pytest.raises(ValueError, match="lateral"):
        plasticity.BCM(n_neurons=100, lateral=s).fit(_data(D=5))


@pytest.mark.parametrize("act", ["linear", "relu"])
def test_single_neuron_on_orthonormal_patterns_selects_one(act):
    """Closed form: the stable fixed point responds theta = P to one pattern and 0 to the others."""
    D, P = 20, 5
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((D, P)))[0].T     # P orthonormal rows
    bcm = plasticity.BCM(n_neurons=1, activation=act, threshold="batch", memory=0.0, optimizer="sgd", lr=0.2,
                         anneal="constant", init="glorot-uniform", batch_size=P, epochs=3000, tol=None, seed=2)
    bcm.fit(Q)
    y = np.sort(bcm.transform(Q)[:, 0])
    np.testing.assert_allclose(y[-1], P, rtol=1e-9)
    np.testing.assert_allclose(y[:-1], 0.0, atol=1e-9)
    np.testing.assert_allclose(bcm.threshold_, [P], rtol=1e-9)        # theta -> P (memory 0: the batch value)


def test_ema_with_zero_memory_equals_batch_mode():
    X = _data(n=50)
    kw = dict(n_neurons=5, activation="relu", memory=0.0, batch_size=10, epochs=3, seed=1)
    a = plasticity.BCM(threshold="batch", **kw).fit(X)
    b = plasticity.BCM(threshold="ema", **kw).fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)


def test_memory_changes_weights_only_in_ema_mode():
    X = _data(n=50)
    kw = dict(n_neurons=5, activation="relu", batch_size=10, epochs=3, seed=1)
    np.testing.assert_array_equal(plasticity.BCM(threshold="batch", memory=0.2, **kw).fit(X).weights_,
                                  plasticity.BCM(threshold="batch", memory=0.9, **kw).fit(X).weights_)
    assert not np.allclose(plasticity.BCM(threshold="ema", memory=0.2, **kw).fit(X).weights_,
                           plasticity.BCM(threshold="ema", memory=0.9, **kw).fit(X).weights_)


def test_every_sample_is_used_and_seeding_is_reproducible():
    X = _data(n=23)
    bcm = plasticity.BCM(n_neurons=3, batch_size=10, epochs=2, seed=4)
    seen = []
    orig = bcm._step
    bcm._step = lambda Xb, lr: (seen.append(Xb.copy()), orig(Xb, lr))[1]
    bcm.fit(X)
    first = np.concatenate(seen[:3])
    assert [len(s) for s in seen] == [8, 8, 7, 8, 8, 7]
    np.testing.assert_array_equal(np.sort(first, axis=0), np.sort(X, axis=0))
    again = plasticity.BCM(n_neurons=3, batch_size=10, epochs=2, seed=4).fit(X)
    np.testing.assert_array_equal(again.weights_, bcm.weights_)


@pytest.mark.parametrize("layer", ["bcm", "krotov"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gather_overlap_gives_the_same_weights(monkeypatch, layer, dtype):
    """The next minibatch is gathered in a second thread while the current one is learned: an exact copy, so
    the weights are bit-identical to gathering each batch just before its step (and to numpy's fancy
    indexing of the same seeded permutation)."""
    import snt.plasticity.layer as layer_module
    X = _data(n=97, D=9)
    make = {"bcm": lambda: plasticity.BCM(n_neurons=4, lateral=-0.1, batch_size=10, epochs=3, seed=2, dtype=dtype),
            "krotov": lambda: plasticity.KrotovHopfield(n_neurons=4, batch_size=10, epochs=3, seed=2, dtype=dtype)}
    monkeypatch.setattr(layer_module, "_prefetch_enabled", lambda: True)
    seen = []
    a = make[layer]()
    orig = a._step
    a._step = lambda Xb, lr: (seen.append(Xb.copy()), orig(Xb, lr))[1]
    a.fit(X)
    monkeypatch.setattr(layer_module, "_prefetch_enabled", lambda: False)
    b = make[layer]().fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    # the batches are the rows of the seeded permutation of each epoch, in order
    from snt._seeds import as_seed_sequence, child
    ss = as_seed_sequence(2)
    expect = [X.astype(dtype)[idx] for e in range(3)
              for idx in np.array_split(np.random.default_rng(child(ss, 1, e)).permutation(97), 10)]
    assert len(seen) == len(expect)
    for got, want in zip(seen, expect):
        np.testing.assert_array_equal(got, want)


def test_float32_follows_float64():
    X = _data(n=60)
    kw = dict(n_neurons=4, activation="relu", lateral=-0.1, batch_size=20, epochs=2, seed=0, lr=0.005)
    a = plasticity.BCM(dtype="float64", **kw).fit(X)
    b = plasticity.BCM(dtype="float32", **kw).fit(X)
    assert b.weights_.dtype == np.float32 and b.transform(X).dtype == np.float32
    np.testing.assert_allclose(b.weights_, a.weights_, rtol=0, atol=1e-4)


def test_early_stopping_on_theta():
    X = _data(n=60)
    bcm = plasticity.BCM(n_neurons=3, activation="relu", optimizer="sgd", lr=1e-6, batch_size=60, epochs=50, tol=1e-3,
                         patience=2, seed=0).fit(X)
    assert bcm.converged_ and bcm.n_epochs_ < 50
    h = bcm.history_
    assert h.theta.dims == ("epoch", "neuron") and h.sizes["epoch"] == bcm.n_epochs_
    assert np.all(h.theta_change.values[-2:] <= 1e-3)


def test_sklearn_protocol_and_pipeline():
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    bcm = plasticity.BCM(n_neurons=30, activation="relu", lateral=-0.02, threshold="ema", memory=0.9, lr=0.02,
                         batch_size=100, epochs=20, seed=0)
    assert clone(bcm).get_params() == bcm.get_params()
    pipe = make_pipeline(bcm, StandardScaler(), LogisticRegression(max_iter=2000)).fit(X[:1400], y[:1400])
    assert pipe.score(X[1400:], y[1400:]) > 0.85          # 30 BCM features (raw 64 pixels: ~0.95)
    assert "theta" in pipe[0].history_


def test_bcm_on_digits_is_selective_and_theta_converges_with_the_schedule():
    """Neurons become selective (median alpha ~ 14 % of the patterns), nine or ten classes are some neuron's
    preferred class (on digits the 8 is usually nobody's), and with the exponential schedule theta converges
    (relative change <= 1 % for 3 epochs, about epoch 44); at a constant rate it keeps moving by 2-6 % per epoch
    over the same 80 epochs and the status says so."""
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    kw = dict(n_neurons=40, activation="relu", lateral=-0.02, threshold="ema", memory=0.9, optimizer="sgd", lr=0.2,
              batch_size=100, epochs=80, tol=0.01, patience=3, seed=0)
    bcm = plasticity.BCM(anneal="exponential", anneal_epochs=10.0, **kw).fit(X)
    sel = plasticity.selectivity(bcm, X, labels=y)
    n = X.shape[0]
    assert np.median(sel.alpha) < 0.2 * n
    assert int(sel.classes_covered) >= 9
    change = bcm.history_.theta_change.values
    assert bcm.converged_ and bcm.n_epochs_ < 80 and np.all(change[-3:] <= 0.01)
    assert bcm.convergence_.startswith("converged") and bcm.history_.attrs["convergence"] == bcm.convergence_
    const = plasticity.BCM(anneal="constant", **kw).fit(X)
    assert not const.converged_ and const.n_epochs_ == 80
    assert const.convergence_.startswith("not converged")
    assert np.min(const.history_.theta_change.values[40:]) > 0.01


@pytest.mark.parametrize("kwargs,match", [
    (dict(activation="softmax"), "activation"), (dict(optimizer="lbfgs"), "optimizer"), (dict(init="zeros"), "init"),
    (dict(threshold="mean"), "threshold"), (dict(memory=1.0), "memory"), (dict(lr=0.0), "lr"),
    (dict(batch_size=0), "batch_size"), (dict(dtype="int8"), "dtype"), (dict(anneal="cosine"), "anneal"),
    (dict(anneal_epochs=0.0), "anneal_epochs"), (dict(early_stopping="yes"), "early_stopping")])
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        plasticity.BCM(n_neurons=3, **kwargs).fit(_data())


def test_bad_inputs_are_named():
    X = _data()
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        plasticity.BCM(n_neurons=3).fit(bad)
    last = X.copy()
    last[-1, -1] = -np.inf                                 # found in the last minibatch of the first epoch
    layer = plasticity.BCM(n_neurons=3, batch_size=7, seed=0)
    with pytest.raises(ValueError, match="X must be finite; it has 1 NaN/inf"):
        layer.fit(last)
    assert not hasattr(layer, "weights_")                  # left unfitted
    with pytest.raises(ValueError, match="X must be finite"):
        plasticity.BCM(n_neurons=3, epochs=1).fit(X).partial_fit(bad)
    bcm = plasticity.BCM(n_neurons=3, epochs=1).fit(X)
    with pytest.raises(ValueError, match="features"):
        bcm.transform(X[:, :5])
    with pytest.raises(ValueError, match="2-D"):
        bcm.transform(X[0])
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        plasticity.BCM().transform(X)


@pytest.mark.slow
def test_bcm_on_mnist_is_selective_and_its_features_classify():
    """MNIST, the documented settings: selective neurons covering the ten classes, and a clean feature
    classifier well above chance (analysis/plasticity_mnist.py: 0.786 after 10 epochs)."""
    from snt.classify import load_dataset
    Xtr, ytr, Xte, yte = load_dataset("mnist")
    bcm = plasticity.BCM(n_neurons=100, activation="relu", lateral=-0.05, threshold="ema", memory=0.9,
                         optimizer="adam", lr=0.02, init="glorot-normal", batch_size=1000, epochs=5, seed=0)
    acc, pipe = plasticity.feature_classifier(bcm, Xtr, ytr, Xte, yte)
    sel = plasticity.selectivity(pipe[0], Xte, labels=yte)
    assert np.median(sel.alpha) < 0.1 * Xte.shape[0]
    assert int(sel.classes_covered) == 10
    assert acc > 0.7


def test_pickle_drops_the_buffers_and_resumes_identically():
    import pickle
    X = _data(n=50, D=8)
    bcm = plasticity.BCM(n_neurons=3, batch_size=10, epochs=2, seed=0).fit(X)
    copy = pickle.loads(pickle.dumps(bcm))
    assert hasattr(bcm, "_xbuf") and not hasattr(copy, "_xbuf") and not hasattr(copy, "_ws")
    np.testing.assert_array_equal(copy.partial_fit(X).weights_, bcm.partial_fit(X).weights_)


@pytest.mark.slow
def test_bcm_theta_converges_on_mnist_with_the_default_schedule():
    """MNIST, the settings of analysis/plasticity_convergence.py and the default exponential schedule: the
    relative change of theta is 3.8 % at epoch 25 and θ has converged (<= 1 % for 3 epochs) at epoch 46; the
    layer stops there, says so, and its neurons cover the ten classes."""
    from snt.classify import load_dataset
    Xtr, _, Xte, yte = load_dataset("mnist")
    bcm = plasticity.BCM(n_neurons=100, activation="relu", lateral=-0.05, threshold="ema", memory=0.9,
                         optimizer="adam", lr=0.02, init="glorot-normal", batch_size=1000, epochs=80, seed=0).fit(Xtr)
    change = bcm.history_.theta_change.values
    assert change[24] > 0.02                                   # not converged after 25 epochs
    assert bcm.converged_ and 40 <= bcm.n_epochs_ <= 55
    assert np.all(change[-3:] <= 0.01) and change[-4] > 0.01     # stopped at the first 3 quiet epochs in a row
    assert bcm.convergence_.startswith("converged")
    assert int(plasticity.selectivity(bcm, Xte, labels=yte).classes_covered) == 10


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_digits_every_class_gets_a_neuron_with_lateral_competition(seed):
    """K = 100 neurons from N(0, 1) weights with lateral inhibition s = -0.2: the ten digit classes are each some
    neuron's preferred class for every seed (docs/science/plasticity.md, P10; at K = 40, s = -0.02 the 8 is
    usually missed)."""
    digits = load_digits()
    X, y = digits.data / 16, digits.target
    bcm = plasticity.BCM(n_neurons=100, activation="relu", lateral=-0.2, threshold="ema", memory=0.9, optimizer="sgd",
                         lr=0.2, init="normal", batch_size=100, epochs=80, seed=seed).fit(X)
    sel = plasticity.selectivity(bcm, X, labels=y)
    assert int(sel.classes_covered) == 10
    assert np.median(sel.alpha) < 0.25 * X.shape[0] and bcm.converged_
