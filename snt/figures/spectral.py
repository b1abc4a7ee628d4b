"""Spectral methods: relevance of the input features read from the eigenvalues of a spectral MLP against the
true relevance (with permutation importance for comparison), and accuracy when the hidden layer is pruned by
spectral importance against pruning by weight norm."""

import numpy as np

from . import _style as st

NAME = "spectral_relevance_pruning"
TITLE = "Spectral relevance of the inputs and spectral pruning of a hidden layer (digits)"


def compute(quick=True):
    """``(truth, {method: relevance Dataset}, {method: pruning Dataset})``."""
    from ..spectral import SpectralMLP, datasets, feature_relevance, permutation_relevance, prune
    n = 6000 if quick else 60000
    X, y, truth = datasets.independent_gaussians(n_samples=n, seed=0)
    m = int(0.8 * n)
    net = SpectralMLP(hidden=(60, 30), activation=("tanh", "relu"), eigenvalues="both", eigen_l2=1e-6, base_l2=1e-2,
                      lr=0.01, batch_size=200, epochs=15 if quick else 60, validation=0.0, seed=0).fit(X[:m], y[:m])
    relevance = {"spectral (eigenvalues)": feature_relevance(net),
                 "permutation": permutation_relevance(net, X[m:], y[m:], n_repeats=3, seed=0)}
    from ..classify import load_dataset
    Xd, yd, Xdt, ydt = load_dataset("digits")
    digits = SpectralMLP(hidden=(64,), activation=("relu",), eigenvalues="both", eigen_l2=1e-6, base_l2=1e-3,
                         lr=0.01, batch_size=64, epochs=30 if quick else 100, validation=0.0, seed=0).fit(Xd, yd)
    keep = np.unique(np.geomspace(1, 64, 13).astype(int))
    pruning = {f"by {method} importance": prune(digits, keep, Xdt, ydt, layer=0, method=method)
               for method in ("spectral", "norm")}
    return truth, relevance, pruning


def draw(truth, relevance, pruning):
    fig, axs = st.figure(1, 2, height=2.7)
    a, b = axs[0]
    lim = [0, 1.05]
    for k, (name, ds) in enumerate(relevance.items()):
        a.plot(truth / truth.max(), ds.normalized.values, st.MARKERS[k], color=st.color(k), ms=4, alpha=0.85,
               mfc="none" if k else None, label=name)
    a.plot(lim, lim, color=st.REFERENCE, lw=0.8, ls="--", label="identity")
    a.set_xlabel("true relevance / max")
    a.set_ylabel("estimated relevance / max")
    a.legend(loc="upper left")
    st.panel_label(a, "a")
    for k, (name, ds) in enumerate(pruning.items()):
        b.plot(ds.kept.values, ds.metric.values, st.MARKERS[k] + st.LINESTYLES[k], color=st.color(k), ms=3.5,
               lw=1.0, label=name)
    b.set_xlabel("hidden units kept (digits, 64 units)")
    b.set_ylabel(f"test {ds.metric.attrs.get('long_name', 'accuracy')}")
    st.integer_axis(b, "x")
    b.legend(loc="lower right")
    st.panel_label(b, "b")
    return fig
