"""Figures of the stochastic planted-attractor classifiers: LNA ellipses, generated items, traversals,
robustness curves."""

import json

import numpy as np

from ._common import axes, label

__all__ = ["lna_ellipses", "generated_grid", "traversal_strip", "robustness_curves"]


def lna_ellipses(ds, classes=None, n_std=(1, 2), ax=None):
    """LNA ellipses over the simulated cloud, per class, in the plane of the two widest axes of C_k.

    ``ds``: the Dataset of :func:`snt.classify.compare_lna` (or of :func:`snt.classify.lna`, without the
    cloud). Each class is drawn in its own coordinates (projections on its principal axes 1 and 2, centred on
    its attractor), side by side along the horizontal axis. Returns the Axes.
    """
    ax = axes(ax, figsize=(9, 3))
    classes = list(ds["class"].values) if classes is None else list(classes)
    t = np.linspace(0, 2 * np.pi, 200)
    offset = 0.0
    for k in classes:
        U = ds.cov_eigenvector.values[k][:, :2]
        mu = np.maximum(ds.cov_eigenvalue.values[k][:2], 0.0)
        width = 2.5 * max(n_std) * np.sqrt(mu[0]) if mu[0] > 0 else 1.0
        if "sample" in ds:
            P = (ds.sample.values[k] - ds.attractor.values[k]) @ U
            ax.plot(P[:, 0] + offset, P[:, 1], ".", ms=1.5, alpha=0.4, color=f"C{k % 10}")
        for s in n_std:
            ax.plot(offset + s * np.sqrt(mu[0]) * np.cos(t), s * np.sqrt(mu[1]) * np.sin(t), "-",
                    color="k", lw=0.8)
        ax.text(offset, 1.05 * max(n_std) * np.sqrt(mu[1]), f"class {k}", ha="center", va="bottom",
                fontsize=8)
        offset += width
    ax.set_xlabel("projection on principal axis 1 (classes side by side)")
    ax.set_ylabel("projection on principal axis 2")
    ax.set_title(f"LNA ({ds.attrs.get('method', '')}) {', '.join(str(n) + ' sd' for n in n_std)} "
                 "over the Euler–Maruyama cloud", fontsize=9)
    return ax


def _show(ax, img, shape):
    ax.imshow(np.asarray(img).reshape(shape), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def generated_grid(datasets, n=8, fig=None):
    """Grid of generated items: one row per Dataset of ``Generator.sample`` (one class each), ``n``
    items per row. Returns the Figure."""
    import matplotlib.pyplot as plt
    datasets = list(datasets)
    fig = fig or plt.figure(figsize=(n * 0.9, len(datasets) * 0.9))
    for r, ds in enumerate(datasets):
        shape = tuple(ds.attrs["image_shape"])
        for c in range(min(n, ds.sizes["item"])):
            ax = fig.add_subplot(len(datasets), n, r * n + c + 1)
            _show(ax, ds.generated.values[c], shape)
            if c == 0:
                ax.set_ylabel(str(int(ds.label.values[0])), rotation=0, labelpad=10)
    fig.suptitle("generated items, one class per row", fontsize=9)
    return fig


def traversal_strip(datasets, fig=None):
    """Decoded traversals: one row per Dataset of ``Generator.traverse``, columns from -extent to
    +extent standard deviations. Returns the Figure."""
    import matplotlib.pyplot as plt
    datasets = list(datasets)
    n = max(ds.sizes["step"] for ds in datasets)
    fig = fig or plt.figure(figsize=(n * 0.9, len(datasets) * 1.0))
    for r, ds in enumerate(datasets):
        shape = tuple(ds.attrs["image_shape"])
        for c in range(ds.sizes["step"]):
            ax = fig.add_subplot(len(datasets), n, r * n + c + 1)
            _show(ax, ds.generated.values[c], shape)
            if r == len(datasets) - 1:
                ax.set_xlabel(f"{ds.step.values[c]:+.1f}", fontsize=7)
            if c == 0:
                ax.set_ylabel(f"{int(ds.label.values[0])}/ax{ds.attrs['axis']}", rotation=0, labelpad=14,
                              fontsize=7)
    cov = "C_k (LNA)" if datasets[0].attrs.get("latent") == "lna" else "Σ_k (final states)"
    fig.suptitle(f"traversals along principal axes of {cov} (class/axis; position in standard deviations)",
                 fontsize=9)
    return fig


def robustness_curves(ds, fig=None):
    """Accuracy (mean ± std over repeats) against the corruption level, one panel per corruption, one curve
    per model: the Dataset of :func:`snt.classify.compare_robustness`. Returns the Figure."""
    import matplotlib.pyplot as plt
    corr = list(ds["corruption"].values)
    fig = fig or plt.figure(figsize=(3.2 * len(corr), 3))
    for i, c in enumerate(corr):
        ax = fig.add_subplot(1, len(corr), i + 1)
        sub = ds.sel(corruption=c)
        lv = sub["level_value"].values
        for j, m in enumerate(ds["model"].values):
            mean = sub.accuracy_mean.sel(model=m).values
            std = sub.accuracy_std.sel(model=m).values
            ax.errorbar(lv, mean, yerr=std, marker="o", ms=3, capsize=2, label=str(m), color=f"C{j}")
        ax.set_title(str(c), fontsize=9)
        ax.set_xlabel(json.loads(ds.attrs.get("level_label", "{}")).get(str(c), "corruption level"), fontsize=8)
        if i == 0:
            ax.set_ylabel(label(ds.accuracy_mean))
            ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
