"""Numbers and figures of the spectral-learning family: input relevance against the ground truth, the MNIST
0-vs-1 pixel pruning curve, the teacher–student transition, the architecture search, RSN / ℂ-RSN on the digits.

    python analysis/spectral_learning.py [--parts relevance,mnist,teacher,search,rsn] [--out analysis/results]

Every part writes ``spectral_<part>.json`` (numbers and settings) and ``spectral_<part>.png`` into ``--out``.
MNIST is read with :func:`snt.classify.load_dataset` from ``--data`` (default ``$SNT_DATA``, else
``../shared/data`` beside the repository). Settings are smaller than the papers' where stated in the JSON
(epochs, trials): on the 2-core development machine, shared with other jobs, the full protocols take hours.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from snt import spectral
from snt.classify import AttractorClassifier, load_dataset, sequential_insertion

ROOT = Path(__file__).resolve().parents[1]


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _mlp(epochs, seed, decay, eigen_l2, select_l2=None):
    # the authors' Gaussian networks: Spectral(100, tanh) -> Spectral(100, relu) -> Spectral(50, relu) -> 2;
    # with select_l2: inputs selected by a fit at that eigenvalue L2, relevance from the refit at eigen_l2 (S4b)
    return spectral.SpectralMLP(hidden=(100, 100, 50), activation=("tanh", "relu", "relu"), eigen_l2=eigen_l2,
                                base_l2=1e-2, lr=0.01, lr_decay=decay, batch_size=500, epochs=epochs,
                                validation=0.0, seed=seed, select_l2=select_l2)


def part_relevance(a):
    plt = _plt()
    out, fig = {}, plt.figure(figsize=(10, 4))
    sets = [(name, n) for name, n in (("independent_gaussians", a.n_independent),
                                      ("correlated_gaussians", a.n_correlated)) if name in a.relevance_sets]
    for i, (name, n) in enumerate(sets):
        X, y, r = getattr(spectral.datasets, name)(n_samples=n, seed=0)
        m = int(0.8 * n)
        t0 = time.perf_counter()
        runs, spec = [], []
        for s in range(a.runs):
            # selection L2 = select_l2n / (training items): the threshold 2 sqrt(c_phi c_lambda) follows the chance
            # gradient of an unused input, which falls as 1 / sqrt(n) (S4b)
            select_l2 = a.select_l2n / m if a.select_l2n else None
            net = _mlp(a.epochs, s, a.decay, a.eigen_l2, select_l2).fit(X[:m], y[:m])
            ds = spectral.feature_relevance(net)
            perm = spectral.permutation_relevance(net, X[m:m + 5000], y[m:m + 5000], n_repeats=5, seed=0)
            spec.append(ds.relevance.values)
            run = {"seed": s, "test_accuracy": net.score(X[m:], y[m:]),
                   "selected_features": np.nonzero(net.selected_features_)[0].tolist(),
                   "spectral": spectral.relevance_recovery(ds, r),
                   "normalized": np.round(ds.normalized.values, 4).tolist(),
                   "permutation": spectral.relevance_recovery(perm, r),
                   "permutation_normalized": np.round(perm.normalized.values, 4).tolist()}
            if name == "correlated_gaussians":
                run["pairs_ordered_by_rho"] = _pairs_ordered(ds.normalized.values, r)
                run["pairs_ordered_by_rho_permutation"] = _pairs_ordered(perm.normalized.values, r)
            runs.append(run)
            print(name, json.dumps({k: v for k, v in run.items() if "normalized" not in k}), flush=True)
        mean = spectral.feature_relevance(net)
        mean["relevance"].values[:] = np.mean(spec, 0)
        mean["normalized"].values[:] = mean.relevance.values / mean.relevance.values.max()
        sal = spectral.gradient_saliency(net, X[m:], y[m:])
        res = {"settings": {"n_samples": n, "epochs": a.epochs, "lr_decay": a.decay, "runs": a.runs,
                            "eigen_l2": a.eigen_l2, "select_l2n": a.select_l2n,
                            "select_l2": a.select_l2n / m if a.select_l2n else None, "base_l2": 1e-2,
                            "network": "Spectral(100,tanh)-Spectral(100,relu)-Spectral(50,relu)-Spectral(2), "
                                       f"Adam 0.01 decaying by {a.decay} per epoch, batch 500, {m} training items; "
                                       "epochs per fit (selection and refit)"},
               **({"logistic_regression_reference": _logistic_reference(X[:m], y[:m], r)}
                  if name == "independent_gaussians" else {}),
               "truth": r.tolist(), "runs": runs,
               "spectral_mean_over_runs": spectral.relevance_recovery(mean, r),
               "spectral_mean_normalized": np.round(mean.normalized.values, 4).tolist(),
               "permutation_last_run": runs[-1]["permutation"],
               "permutation_normalized": runs[-1]["permutation_normalized"],
               "saliency_last_run": spectral.relevance_recovery(sal, r),
               "saliency_normalized": np.round(sal.normalized.values, 4).tolist(),
               "time_s": time.perf_counter() - t0}
        if name == "correlated_gaussians":
            res["pairs_ordered_by_rho"] = _pairs_ordered(mean.normalized.values, r)
            res["pairs_ordered_by_rho_permutation"] = _pairs_ordered(perm.normalized.values, r)
        out[name] = res
        ax = fig.add_subplot(1, len(sets), i + 1)
        spectral_label = f"spectral (mean of {a.runs} runs)"
        from snt.plot import relevance_vs_truth
        relevance_vs_truth({spectral_label: mean, "permutation": perm, "gradient saliency": sal}, r, ax=ax)
        ax.set_title(name.replace("_", " "), fontsize=10)
        print(name, json.dumps({k: v for k, v in res.items() if k not in ("runs",) and "normalized" not in k}),
              flush=True)
    fig.tight_layout()
    return out, fig


def _logistic_reference(X, y, r):
    """Maximum-likelihood logistic regression on the same training items: |coefficient| / max. On the independent
    Gaussians it is the well-specified model (the Bayes boundary is linear), so its weights on the irrelevant
    features are the finite-sample chance correlations any unpenalised fit inherits."""
    from sklearn.linear_model import LogisticRegression
    c = np.abs(LogisticRegression(C=1e4, max_iter=3000).fit(X, y).coef_[0])
    c = c / c.max()
    return {"normalized": np.round(c, 4).tolist(), "max_irrelevant": float(c[r == 0].max())}


def _pairs_ordered(score, truth):
    """Both members of every pair ranked by rho (pairs sorted by rho have every member of a higher pair above
    every member of a lower one) and the noise features last."""
    rel = truth > 0
    order = np.argsort(-truth[rel][::2], kind="stable")
    pairs = score[rel].reshape(-1, 2)[order]
    by_rho = bool(all(pairs[k].min() > pairs[k + 1].max() for k in range(len(pairs) - 1)))
    return {"pairs_by_rho": by_rho, "noise_last": bool(score[~rel].max() < score[rel].min())}


def part_mnist(a):
    plt = _plt()
    X, y, Xt, yt = load_dataset("mnist", root=a.data)
    sel, selt = y <= 1, yt <= 1
    X, y, Xt, yt = X[sel], y[sel], Xt[selt], yt[selt]
    t0 = time.perf_counter()
    # the authors' MNIST network: L2 1e-2 on lambda and 1e-4 on phi, Adam 1e-4 (here a faster 1e-3 and fewer epochs)
    net = spectral.SpectralMLP(hidden=(100, 100, 50), activation="relu", eigen_l2=1e-2, base_l2=1e-4, lr=a.mnist_lr,
                               batch_size=500, epochs=a.mnist_epochs, validation=0.1, patience=None, seed=0).fit(X, y)
    rel = spectral.feature_relevance(net)
    sal = spectral.gradient_saliency(net, X[:5000], y[:5000])
    rng = np.random.default_rng(0)
    keep = np.array([1, 2, 3, 5, 8, 10, 15, 17, 20, 30, 40, 50, 70, 99, 150, 300, 784])
    curves = {}
    for name, score in (("spectral relevance", rel.relevance.values), ("gradient saliency", sal.relevance.values),
                        ("random pixels", rng.random(784))):
        order = np.argsort(-score, kind="stable")
        acc = []
        for n in keep:
            mask = np.zeros(784)
            mask[order[:n]] = 1.0
            acc.append(net.score(Xt * mask, yt))
        curves[name] = acc
    res = {"test_accuracy_full": net.score(Xt, yt), "kept": keep.tolist(), "curves": curves,
           "epochs": a.mnist_epochs, "lr": a.mnist_lr, "time_s": time.perf_counter() - t0,
           "history_stop": net.history_["stop"]}
    print("mnist", json.dumps(res), flush=True)
    fig, axs = plt.subplots(1, 2, figsize=(10, 4))
    for name, acc in curves.items():
        axs[0].semilogx(keep, acc, "o-", ms=3, label=name)
    axs[0].set_xlabel("pixels kept (most relevant first)")
    axs[0].set_ylabel("test accuracy, 0 vs 1 (no retraining)")
    axs[0].legend(frameon=False)
    order = np.argsort(-rel.relevance.values)
    img = np.zeros(784)
    img[order[:17]] = 1
    axs[1].imshow(rel.normalized.values.reshape(28, 28), cmap="magma")
    yy, xx = np.nonzero(img.reshape(28, 28))
    axs[1].plot(xx, yy, "c+", ms=6, label="17 most relevant")
    axs[1].set_title("spectral relevance of the pixels", fontsize=10)
    axs[1].legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return res, fig


def part_teacher(a):
    plt = _plt()
    t0 = time.perf_counter()
    ds = spectral.teacher_student(student_sizes=(20, 60, 200), teacher_size=20, trials=a.trials,
                                  n_train=a.n_teacher, n_test=10000, seed=a.teacher_seed, progress=True,
                                  **({} if a.teacher_epochs is None else {"epochs": a.teacher_epochs}))
    hT = 20
    res = {"settings": json.loads(ds.attrs["parameters"]), "time_s": time.perf_counter() - t0,
           "teacher_node_loss_sorted": np.sort(ds.teacher_node_loss.values, axis=1).tolist()}
    for m in ds.model.values:
        d = ds.sel(model=m)
        res[str(m)] = {"average_dimension": d.average_dimension.values.tolist(),
                       "average_dimension_std": d.average_dimension_std.values.tolist(),
                       "test_mse": d.mse.mean("trial").values.tolist(),
                       "n_active_per_trial": d.n_active.values.tolist(),
                       "settled_per_trial": d.settled.values.tolist(),
                       "n_active_every_50_epochs": d.n_active_history.isel(epoch=slice(49, None, 50)).values.tolist()}
        # the ramp: mean dMSE of the prunings that keep >= teacher size nodes, and of those keeping fewer
        above = (d.n_kept >= hT)
        res[str(m)]["delta_mse_kept_at_least_teacher"] = float(d.delta_mse.where(above).mean())
        res[str(m)]["delta_mse_kept_below_teacher"] = float(d.delta_mse.where(~above & (d.n_kept > 0)).mean())
        res[str(m)]["delta_mse_kept_teacher_minus_5_or_fewer"] = float(
            d.delta_mse.where((d.n_kept <= hT - 5) & (d.n_kept > 0)).mean())
    print("teacher", json.dumps(res), flush=True)
    ds.to_netcdf(Path(a.out) / f"spectral_teacher{a.tag}.nc")
    spectral_ds = ds
    fig, axs = plt.subplots(1, 2, figsize=(11, 4))
    from snt.plot import teacher_student
    teacher_student(spectral_ds, axs)
    fig.tight_layout()
    return res, fig


def part_search(a):
    plt = _plt()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 5))
    w = rng.standard_normal(5)
    y_lin = (X @ w > 0).astype(int)
    V = rng.standard_normal((5, 4))
    y_t = np.maximum(X @ V, 0).sum(1)
    y_t = (y_t - y_t.mean()) / y_t.std()
    # the sum of ReLUs is >= 0, so it also equals relu(sum): a (4, 1) network of depth 2 represents it exactly;
    # a signed readout has no such second representation
    y_s = np.maximum(X @ V, 0) @ np.array([1.0, -1.0, 1.0, -1.0])
    y_s = (y_s - y_s.mean()) / y_s.std()
    res, fig = {}, plt.figure(figsize=(16, 3.5))
    kw = dict(max_width=12, max_depth=3, epochs=a.search_epochs, eigen_l2=a.search_l2, base_l2=a.search_l2, seed=0)
    cases = (("linearly separable (5 inputs)", y_lin, "no hidden layer"),
             ("teacher 5 -> 4 ReLU -> sum", y_t, "depth 1, width 4 (or depth 2, widths (4, 1))"),
             ("teacher 5 -> 4 ReLU -> +-1 readout", y_s, "depth 1, width 4"))
    for i, (name, yy, truth) in enumerate(cases):
        t0 = time.perf_counter()
        ds, _ = spectral.architecture_search(X, yy, **kw)
        res[name] = {"expected": truth, "depth": ds.attrs["depth"], "widths": json.loads(ds.attrs["widths"]),
                     "effective_depth": ds.attrs["effective_depth"],
                     "layer_removal": json.loads(ds.attrs["layer_removal"]),
                     "nonlinear_widths": json.loads(ds.attrs["nonlinear_widths"]),
                     "on_fraction": np.round(ds.on_fraction.values, 3).tolist(),
                     "width_per_layer": ds.width.values.tolist(), "final_loss": ds.attrs["final_loss"],
                     "importance": np.round(ds.importance.values, 3).tolist(),
                     "input_importance": np.round(ds.input_importance.values, 3).tolist(),
                     "time_s": time.perf_counter() - t0}
        from snt.plot import architecture_importance
        architecture_importance(ds, ax=fig.add_subplot(1, 3, i + 1), title=f"{name}:\neffective depth "
                                                                            f"{ds.attrs['effective_depth']}, nonlinear "
                                                                            f"widths {ds.attrs['nonlinear_widths']}")
    res["settings"] = kw
    print("search", json.dumps(res), flush=True)
    fig.tight_layout()
    return res, fig


def part_rsn(a):
    plt = _plt()
    if a.rsn_replot:
        import xarray as xr
        ds = xr.open_dataset(Path(a.out) / "spectral_rsn_traces.nc")
        return json.loads((Path(a.out) / "spectral_rsn.json").read_text()), _rsn_figure(plt, ds)
    X, y, Xt, yt = load_dataset("digits")
    res = {}
    kw = dict(optimizer="adam", maxiter=30, batch_size=32, loss="xent", lr=1e-2, lr_decay=0.95, seed=0)
    fits = {}
    for model in ("rsn", "c-rsn"):
        t0 = time.perf_counter()
        clf = AttractorClassifier(model=model, **kw).fit(X, y)
        fits[model] = clf
        res[model] = {"test_accuracy": clf.score(Xt, yt), "train_accuracy": clf.score(X, y),
                      "max_abs_lambda_tr": float(np.abs(clf.params_.lam_tr).max()),
                      "max_residual": clf.result_.max_residual, "time_s": time.perf_counter() - t0}
    res["settings"] = kw
    clf = fits["c-rsn"]
    w = clf.model_.frequencies
    # phase lag of the same item inserted 13 steps later, and two items 30 steps apart
    za = clf.model_.complex_amplitudes(sequential_insertion(clf, Xt[:1], [0], 80).z.values)
    zb = clf.model_.complex_amplitudes(sequential_insertion(clf, Xt[:1], [13], 80).z.values)
    lag = np.angle(za[60] / zb[60])
    res["insertion_phase_error_max"] = float(np.abs(np.angle(np.exp(1j * (lag - 13 * w)))).max())
    traces = []
    import xarray as xr
    for k in range(10):
        i = int(np.nonzero(yt == k)[0][0])
        traces.append(sequential_insertion(clf, Xt[i:i + 1], [0], 40).expand_dims(item=[k]))
    ds = xr.concat(traces, "item").assign_coords(label=("item", np.arange(10)))
    res["memory_amplitude_final_per_class"] = np.round(ds.amplitude.isel(time=-1).values, 3).tolist()
    print("rsn", json.dumps(res), flush=True)
    ds.to_netcdf(Path(a.out) / "spectral_rsn_traces.nc")
    return res, _rsn_figure(plt, ds)


def _rsn_figure(plt, ds):
    from snt.plot import memory_traces, mode_amplitudes
    fig = plt.figure(figsize=(12, 11))
    gs = fig.add_gridspec(10, 2, width_ratios=(1.6, 1))
    axs = [fig.add_subplot(gs[i, 0]) for i in range(10)]
    memory_traces(ds, axs)
    axs[0].set_title("C-RSN memory nodes after one test digit per class (own mode in colour)", fontsize=9)
    ax = fig.add_subplot(gs[1:9, 1])
    mode_amplitudes(ds, ax)
    ax.set_title("oscillation amplitude |c_k| of every mode (constant in time)", fontsize=9)
    fig.tight_layout()
    return fig


PARTS = {"relevance": part_relevance, "mnist": part_mnist, "teacher": part_teacher, "search": part_search,
         "rsn": part_rsn}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", default=",".join(PARTS))
    ap.add_argument("--out", default=str(ROOT / "analysis" / "results"))
    ap.add_argument("--data", default=os.environ.get("SNT_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--n-independent", type=int, default=60000)
    ap.add_argument("--n-correlated", type=int, default=100000)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--decay", type=float, default=0.93)
    ap.add_argument("--eigen-l2", type=float, default=1e-6,
                    help="L2 factor of the eigenvalues in the relevance networks (the authors': 1e-6)")
    ap.add_argument("--select-l2n", type=float, default=5.0,
                    help="eigenvalue L2 of the input-selection fit before the refit times the number of training "
                         "items (S4b); 0: no selection")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mnist-epochs", type=int, default=30)
    ap.add_argument("--mnist-lr", type=float, default=1e-3)
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--n-teacher", type=int, default=10000)
    ap.add_argument("--teacher-epochs", type=int, default=None,
                    help="training epochs of the students (default: teacher_student's)")
    ap.add_argument("--teacher-seed", type=int, default=0)
    ap.add_argument("--search-epochs", type=int, default=300)
    ap.add_argument("--search-l2", type=float, default=1e-2)
    ap.add_argument("--relevance-sets", default="independent_gaussians,correlated_gaussians")
    ap.add_argument("--tag", default="", help="suffix of the output files")
    ap.add_argument("--rsn-replot", action="store_true", help="redraw the rsn figure from its saved traces")
    a = ap.parse_args()
    a.data = str(Path(a.data) / "mnist")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for part in a.parts.split(","):
        res, fig = PARTS[part](a)
        (out / f"spectral_{part}{a.tag}.json").write_text(json.dumps(res, indent=1))
        fig.savefig(out / f"spectral_{part}{a.tag}.png", dpi=110)


if __name__ == "__main__":
    main()
