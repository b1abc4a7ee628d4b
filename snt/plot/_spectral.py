"""Figures of the spectral-learning analyses (``snt.spectral``, ``snt.classify.rsn``): relevance against the
ground truth, pruning curves, the teacher–student transition, the architecture search, ℂ-RSN memory traces."""

import numpy as np

from ._common import axes, label

__all__ = ["relevance_vs_truth", "pruning_curve", "teacher_student", "architecture_importance", "memory_traces",
           "mode_amplitudes"]


def relevance_vs_truth(scores, truth, ax=None):
    """Normalised relevance of each method against the true relevance of every feature.

    ``scores``: dict name -> Dataset with ``normalized`` over ``feature`` (e.g. from
    :func:`snt.spectral.feature_relevance` and :func:`snt.spectral.permutation_relevance`).
    """
    ax = axes(ax)
    truth = np.asarray(truth, dtype=float)
    for k, (name, ds) in enumerate(scores.items()):
        ax.plot(truth + 0.01 * (k - (len(scores) - 1) / 2), ds["normalized"].values, "o", ms=5, alpha=0.8,
                label=name)
    ax.axhline(0.05, color="0.6", lw=0.8, ls="--", label="5 % of max")
    ax.set_xlabel("true relevance")
    ax.set_ylabel("relevance / max")
    ax.legend(frameon=False, fontsize=8)
    return ax


def pruning_curve(curves, ax=None):
    """Metric against the number of kept units for each Dataset of ``curves`` (dict name -> Dataset with
    ``metric`` over ``kept``, e.g. :func:`snt.spectral.pruning.prune`)."""
    ax = axes(ax)
    for name, ds in curves.items():
        ax.plot(ds.kept.values, ds.metric.values, "o-", ms=3, label=name)
        ax.set_ylabel(label(ds.metric))
        ax.set_xlabel(label(ds.kept))
    ax.legend(frameon=False, fontsize=8)
    return ax


def teacher_student(ds, axs=None):
    """Two panels from :func:`snt.spectral.teacher_student`: the average dimension against the student
    width (spectral and direct, teacher size dashed) and ΔMSE against n_kept − h_T (log scale)."""
    if axs is None:
        import matplotlib.pyplot as plt
        _, axs = plt.subplots(1, 2, figsize=(10, 4))
    a, b = axs
    hT = int(ds.attrs["teacher_size"])
    for m in ds.model.values:
        d = ds.sel(model=m)
        a.errorbar(d["size"].values, d.average_dimension.values, yerr=d.average_dimension_std.values, fmt="o-",
                   capsize=3, label=str(m))
    a.axhline(hT, color="k", ls="--", lw=1, label="teacher size")
    a.set_xscale("log")
    a.set_xticks(ds["size"].values, [str(int(v)) for v in ds["size"].values])
    a.minorticks_off()
    a.set_xlabel(label(ds["size"]))
    a.set_ylabel("average dimension (s / max > 0.05)")
    a.legend(frameon=False)
    marks = {"spectral": "o", "direct": "s"}
    for mi, m in enumerate(ds.model.values):
        for si, h in enumerate(ds["size"].values):
            d = ds.sel(model=m, size=h)
            x = (d.n_kept.values - hT).ravel()
            y = np.maximum(d.delta_mse.values.ravel(), 1e-6)
            b.plot(x, y, marks.get(str(m), "o"), ms=3, alpha=0.6, color=f"C{si}",
                   mfc="none" if str(m) == "direct" else None, label=f"{m}, h={h}")
    b.axvline(0, color="k", ls="--", lw=1)
    b.set_yscale("log")
    b.set_xlabel("nodes kept - teacher size")
    b.set_ylabel(ds.delta_mse.attrs.get("long_name", "|MSE pruned - MSE full|") + " (floor 1e-6)")
    b.legend(frameon=False, fontsize=7, ncol=2)
    return a, b


def architecture_importance(ds, ax=None, title=None):
    """Node importance of the input layer (row 0) and of every hidden layer of
    :func:`snt.spectral.architecture_search` as an image (blank: no node there)."""
    ax = axes(ax)
    w = max(ds.sizes["node"], ds.sizes["feature"])
    img = np.full((ds.sizes["layer"] + 1, w), np.nan)
    img[0, :ds.sizes["feature"]] = ds.input_importance.values
    img[1:, :ds.sizes["node"]] = ds.importance.values
    im = ax.imshow(img, aspect="auto", cmap="viridis", vmin=0, vmax=1, extent=(-0.5, w - 0.5, len(img) - 0.5, -0.5))
    ax.set_xlabel("node")
    ax.set_ylabel("layer (0 = input)")
    ax.set_yticks(range(len(img)))
    ax.set_title(title or f"depth {ds.attrs['depth']}, widths {ds.attrs['widths']}", fontsize=9)
    ax.figure.colorbar(im, ax=ax, label="importance / max")
    return ax


def memory_traces(ds, axs=None):
    """Memory-node time courses, one panel per item: the two nodes of the item's own mode in colour (solid and
    dotted), the other memory nodes in grey. ``ds``: ``memory (item, time, memory_node)`` and a ``label``
    coordinate over ``item`` (e.g. :func:`snt.classify.sequential_insertion` results concatenated)."""
    n = ds.sizes["item"]
    if axs is None:
        import matplotlib.pyplot as plt
        _, axs = plt.subplots(n, 1, figsize=(7, 1.3 * n), sharex=True, squeeze=False)
        axs = axs[:, 0]
    t = ds.time.values
    per = ds.sizes["memory_node"] // max(int(ds.label.max()) + 1, 1)
    for i, ax in enumerate(axs):
        m = ds.memory.isel(item=i).values
        k = int(ds.label.values[i])
        own = range(per * k, per * (k + 1))
        for j in range(m.shape[1]):
            if j not in own:
                ax.plot(t, m[:, j], lw=0.5, color="0.75")
        for q, j in enumerate(own):
            ax.plot(t, m[:, j], lw=1.5, color=f"C{k % 10}", ls="-" if q == 0 else ":")
        ax.set_ylabel(f"class {k}", fontsize=8)
    axs[-1].set_xlabel(label(ds.time))
    return axs


def mode_amplitudes(ds, ax=None, time=-1):
    """Image of the mode amplitudes ``amplitude (item, time, mode)`` at one time, items labelled by class."""
    ax = axes(ax)
    a = ds.amplitude.isel(time=time).values
    im = ax.imshow(a, cmap="viridis", aspect="auto")
    ax.set_xlabel("memory mode k")
    ax.set_ylabel("item (class)")
    ax.set_yticks(range(ds.sizes["item"]), [str(int(v)) for v in ds.label.values])
    ax.figure.colorbar(im, ax=ax, label=label(ds.amplitude))
    return ax
