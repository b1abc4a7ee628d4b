"""Planted-attractor classifiers: test accuracy of the stored runs (``analysis/results``) against the papers'
values; the distance of test items to their class's attractor as the orbits flow to it; accuracy under a
random-pixel attack."""

import json
from pathlib import Path

import numpy as np

from . import _style as st

NAME = "classifier"
TITLE = "Planted-attractor classifiers: accuracy against the papers, flow to the attractors, robustness"
RESULTS = Path(__file__).resolve().parents[2] / "analysis" / "results"
#: Test accuracies reported by the papers (docs/CLASSIFIERS.md §3).
PAPERS = {("double well", "Fashion-MNIST"): 0.8821, ("Wilson–Cowan", "Fashion-MNIST"): 0.8839,
          ("double well", "MNIST"): 0.9806, ("Wilson–Cowan", "MNIST"): 0.9816}
_DIGITS_NAMES = {"sa-node": "double well", "snt-map": "SNT map", "cvfr": "CVFR", "cvfr-stochastic": "stochastic CVFR",
                 "wilson-cowan": "Wilson–Cowan"}


def stored_accuracies(results=RESULTS):
    """``[(model, dataset, [snt accuracies], paper accuracy or nan)]`` from the stored result files."""
    rows = []

    def read(name):
        path = Path(results) / f"{name}.json"
        return json.loads(path.read_text()) if path.is_file() else None

    digits = read("classify_digits") or {}
    for key, name in _DIGITS_NAMES.items():
        if key in digits:
            rows.append((name, "digits 8×8", [digits[key]["test_accuracy"]], np.nan))
    runs = {"double well": ["fashion_sa-node_xent"],
            "Wilson–Cowan": ["fashion_wilson-cowan_preset", "fashion_wilson-cowan_preset_seed1"]}
    for model, names in runs.items():
        acc = []
        for n in names:
            r = read(n)
            if r is not None:
                acc.append(r.get("test_accuracy") or r["log"][-1]["test_accuracy"])
        if acc:
            rows.append((model, "Fashion-MNIST", acc, PAPERS.get((model, "Fashion-MNIST"), np.nan)))
    for key, model in (("sa-node", "double well"), ("wilson-cowan", "Wilson–Cowan")):
        r = read(f"mnist_{key}")             # the log of analysis/classify_mnist.py: test accuracy per seed
        if r is not None and r.get("test"):
            rows.append((model, "MNIST", [t["accuracy"] for t in r["test"].values()],
                         PAPERS.get((model, "MNIST"), np.nan)))
    return rows


def compute(quick=True):
    """``(rows, trajectories, attractors, labels, robustness)``; the classifier is a shortened digits preset."""
    from ..classify import AttractorClassifier, load_dataset, robustness
    from ..classify.presets import DIGITS
    X, y, Xt, yt = load_dataset("digits")
    clf = AttractorClassifier(model="sa-node", seed=0, **{**DIGITS["sa-node"], "maxiter": 8 if quick else 100})
    clf.fit(X, y)
    items = np.concatenate([np.flatnonzero(yt == k)[:1] for k in range(5)])
    tr = clf.trajectories(Xt[items])
    rb = robustness(clf, Xt, yt, fractions=np.linspace(0, 0.6, 4 if quick else 7), repeats=2 if quick else 5,
                    seed=1)
    return stored_accuracies(), tr, clf.attractors_, yt[items], rb, float(clf.score(Xt, yt))


def draw(rows, tr, attractors, labels, rb, score):
    fig, axs = st.figure(1, 3, height=2.7, gridspec_kw={"width_ratios": [1.1, 1, 1.1]})
    a, b, c = axs[0]
    names = [f"{m}, {d}" for m, d, _, _ in rows]
    ypos = np.arange(len(rows))[::-1]
    for yk, (_, _, acc, paper) in zip(ypos, rows):
        a.plot(acc, [yk] * len(acc), st.MARKERS[0], color=st.color(0), label="snt (stored runs)")
        if np.isfinite(paper):
            a.plot([paper], [yk], st.MARKERS[1], mfc="none", color=st.color(1), ms=5, label="paper")
    a.set_yticks(ypos, names)
    if not rows:
        a.text(0.5, 0.5, "no stored results\n(analysis/results)", ha="center", va="center", transform=a.transAxes)
    a.set_xlabel("test accuracy")
    a.set_ylabel("model, data set")
    a.set_xlim(0.86, 1.0)
    handles, text = a.get_legend_handles_labels()
    unique = dict(zip(text, handles))
    a.legend(unique.values(), unique.keys(), loc="center left")
    st.panel_label(a, "a")

    d = np.linalg.norm(tr.state.values - attractors[labels][:, None, :], axis=-1)
    t = tr.time.values
    for k in range(len(labels)):
        b.plot(t, d[k], color=st.color(k), ls=st.LINESTYLES[k % 4], lw=0.9,
               label=f"class {labels[k]}")
    b.set_ylim(0, 1.1 * float(d.max()))          # from 0: the legend sits below the curves, not over them
    b.set_xlabel("time t [model time units]")
    b.set_ylabel("distance to the class's attractor")
    b.legend(loc="lower left", title="test item of", title_fontsize=7, ncol=2)
    st.panel_label(b, "b")

    st.points(c, 100 * rb.fraction.values, rb.accuracy_mean.values, rb.accuracy_std.values, k=0,
              label="double well", ls="-", lw=0.8)
    c.set_title(f"clean accuracy {score:.2f}", loc="right")
    c.axhline(0.1, color=st.REFERENCE, ls=":", lw=0.8, label="chance")
    c.set_xlabel("random pixels [%]")
    c.set_ylabel("test accuracy")
    c.set_ylim(0, 1.02)
    c.set_xlim(-4, 100 * float(rb.fraction.max()) + 4)   # room for the last tick label
    c.legend(loc="lower left")
    st.panel_label(c, "c")
    return fig
