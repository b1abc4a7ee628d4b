"""Krotov–Hopfield reference step and competition; selectivity measures on constructed responses; readouts,
receptive fields, scans, figures and the CLI."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits

from snt import plasticity
from snt._seeds import as_seed_sequence, child
from snt.plasticity.initializers import initial_weights


def _reference_krotov(W, X, p, k, delta, lr):
    Wt = np.sign(W) * np.abs(W) ** (p - 1)
    H = Wt @ X.T                                                     # (K, B)
    order = np.argsort(H, axis=0)
    G = np.zeros_like(H)
    cols = np.arange(X.shape[0])
    G[order[-1], cols] = 1.0
    G[order[-k], cols] = -delta
    xx = np.sum(G * H, axis=1)
    dW = G @ X - xx[:, None] * W
    return W + lr * dW / np.max(np.abs(dW))


@pytest.mark.parametrize("p,k", [(2.0, 2), (3.0, 4)])
def test_krotov_step_matches_numpy_reference(p, k):
    X = np.random.default_rng(0).uniform(0, 1, (30, 9))
    kh = plasticity.KrotovHopfield(n_neurons=7, p=p, k=k, delta=0.3, anneal="constant", lr=0.05, batch_size=30,
                                   epochs=1, seed=6).fit(X)
    W0 = initial_weights("normal", np.random.default_rng(child(as_seed_sequence(6), 0)), 7, 9)
    np.testing.assert_allclose(kh.weights_, _reference_krotov(W0, X, p, k, 0.3, 0.05), rtol=0, atol=1e-12)


def test_krotov_winner_moves_toward_input_runner_up_away():
    x = np.array([[1.0, 0.5, 0.0, 0.2]])
    kh = plasticity.KrotovHopfield(n_neurons=2, k=2, delta=0.4, lr=0.1, anneal="constant", batch_size=1, epochs=1,
                                   seed=1)
    kh.fit(x)
    W0 = initial_weights("normal", np.random.default_rng(child(as_seed_sequence(1), 0)), 2, 4)
    h0 = W0 @ x[0]
    win, run = np.argmax(h0), np.argmin(h0)
    cos = lambda w: w @ x[0] / np.linalg.norm(w) / np.linalg.norm(x[0])  # noqa: E731
    assert cos(kh.weights_[win]) > cos(W0[win])
    assert cos(kh.weights_[run]) < cos(W0[run])
    assert np.max(np.abs(kh.weights_ - W0)) == pytest.approx(0.1, rel=1e-12)      # max-abs normalisation


def test_krotov_linear_anneal_and_errors():
    X = np.random.default_rng(0).uniform(0, 1, (20, 5))
    kh = plasticity.KrotovHopfield(n_neurons=4, lr=0.04, epochs=4, batch_size=5, seed=0).fit(X)
    np.testing.assert_allclose(kh.history_.lr.values, 0.04 * (1 - np.arange(4) / 4))
    with pytest.raises(ValueError, match="k must be"):
        plasticity.KrotovHopfield(n_neurons=3, k=5).fit(X)
    with pytest.raises(ValueError, match="anneal"):
        plasticity.KrotovHopfield(n_neurons=3, anneal="cosine").fit(X)


def test_selectivity_on_constructed_responses():
    K, P = 5, 8
    distinct = np.zeros((P, K))
    distinct[np.arange(K), np.arange(K)] = 1.0        # neuron i responds to pattern i only
    ds = plasticity.selectivity(responses=distinct)
    np.testing.assert_array_equal(ds.alpha.values, np.ones(K))
    assert int(ds.S) == K and float(ds.beta) == K and int(ds.capacity) == K
    same = np.zeros((P, K))
    same[2] = 1.0                                     # every neuron selects pattern 2
    ds = plasticity.selectivity(responses=same)
    assert int(ds.S) == 1 and float(ds.beta) == 1.0
    overlap = np.zeros((P, K))
    overlap[:3, :] = 1.0
    overlap[3:5, 0] = 2.0                             # neuron 0: patterns 0..4 above its mean; others 0..2
    ds = plasticity.selectivity(responses=overlap)
    assert int(ds.alpha[0]) == 5 and int(ds.S) == 5
    assert float(ds.beta) == pytest.approx(5 / ((5 + 3 * 4) / 5))
    labelled = plasticity.selectivity(responses=distinct, labels=np.array([0, 1, 2, 0, 1, 2, 0, 1]))
    np.testing.assert_array_equal(labelled.preferred_class.values, [0, 1, 2, 0, 1])
    assert int(labelled.classes_covered) == 3
    silent = plasticity.selectivity(responses=np.zeros((P, 2)), labels=np.arange(P) % 2)
    np.testing.assert_array_equal(silent.preferred_class.values, [-1, -1])
    assert int(silent.classes_covered) == 0 and int(silent.S) == 0 and np.isnan(float(silent.beta))


def test_selectivity_labels_and_receptive_fields_and_readouts():
    d = load_digits()
    X, y = d.data / 16, d.target
    bcm = plasticity.BCM(n_neurons=20, activation="relu", lateral=-0.05, threshold="ema", memory=0.9,
                         batch_size=100, epochs=10, seed=0).fit(X)
    ds = plasticity.selectivity(bcm, X, labels=y)
    assert ds.purity.dims == ("neuron",) and 1 <= int(ds.classes_covered) <= 10
    rf = plasticity.receptive_fields(bcm, (8, 8))
    assert rf.dims == ("neuron", "row", "col")
    np.testing.assert_array_equal(rf.values[3].ravel(), bcm.weights_[3])
    with pytest.raises(ValueError, match="pixels"):
        plasticity.receptive_fields(bcm, (7, 8))
    acc = plasticity.label_protocol(plasticity.BCM(n_neurons=30, activation="relu", batch_size=200, epochs=5,
                                                   seed=0), X[:1400], y[:1400], X[1400:], y[1400:], top=5)
    a = acc.accuracy
    assert a.dims == ("test_input", "readout") and np.all((a >= 0) & (a <= 1))
    # feeding the true label cannot make the label-input readout worse than chance on average
    assert float(a.sel(test_input="true label (leak)").max()) > 0.1


def test_scan_and_figures(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from snt import plot
    X = load_digits().data[:400] / 16
    template = plasticity.BCM(n_neurons=8, activation="relu", threshold="ema", batch_size=50, epochs=3, seed=0)
    ds = plasticity.scan(template, "memory", [0.0, 0.5, 0.9], X)
    assert ds.alpha.dims == ("memory", "neuron") and ds.beta.dims == ("memory",)
    ax = plot.selectivity_scan(ds)
    ax.figure.savefig(tmp_path / "scan.png")
    lat = plasticity.scan(template, "lateral", [-0.2, 0.0], X)
    plot.selectivity_scan(lat, variable="beta")
    fig = plot.receptive_fields(plasticity.receptive_fields(template.fit(X), (8, 8)))
    fig.savefig(tmp_path / "rf.png")
    assert (tmp_path / "rf.png").stat().st_size > 1000


def test_cli_bcm_and_hebbian(tmp_path, capsys):
    import snt
    from snt.cli import main
    out = tmp_path / "bcm.nc"
    assert main(["plasticity", "bcm", "--dataset", "digits", "--neurons", "10", "--epochs", "2", "--batch-size",
                 "100", "-o", str(out), "-q"]) == 0
    ds = snt.open(out)
    assert {"weights", "theta", "alpha"} <= set(ds.data_vars)
    assert json.loads(ds.attrs["parameters"])["n_neurons"] == 10
    heb = tmp_path / "heb.nc"
    assert main(["plasticity", "hebbian", "--N", "20", "--epochs", "2", "--steps-per-epoch", "50", "--novel", "0",
                 "-o", str(heb), "-q"]) == 0
    h = snt.open(heb)
    assert h.sizes["epoch"] == 3 and "lambda_max" in h
    assert "wrote" in capsys.readouterr().out
