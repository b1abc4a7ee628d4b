"""Figures of the plasticity analyses (docs/science/plasticity.md): receptive fields, the Hebbian epochs, and
selectivity / overlap scans."""

import numpy as np

from ._common import axes, label

__all__ = ["receptive_fields", "hebbian_epochs", "selectivity_scan"]

_REGIME_COLORS = {"chaotic": "C3", "quasi-periodic": "C1", "periodic": "C2", "fixed point": "C0",
                  "diverged": "k"}


def receptive_fields(fields, ncols=10, max_fields=100, fig=None):
    """A grid of receptive fields (a :func:`snt.plasticity.receptive_fields` DataArray (neuron, row, col)),
    each on its own symmetric colour scale (blue < 0 < red). Returns the Figure."""
    import matplotlib.pyplot as plt
    W = np.asarray(fields.values)[:max_fields]
    n = W.shape[0]
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    if fig is None:
        fig = plt.figure(figsize=(1.1 * ncols, 1.1 * nrows))
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        v = np.max(np.abs(W[i])) or 1.0
        ax.imshow(W[i], cmap="bwr", vmin=-v, vmax=v, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"receptive fields ({fields.attrs.get('model', 'layer')}, {n} neurons)", fontsize="small")
    return fig


def hebbian_epochs(ds, fig=None):
    """λ_max and ρ(W) of a :func:`snt.plasticity.hebbian` Dataset over the epochs, points coloured by regime;
    a second panel with the responses to the learned and novel patterns when they were measured."""
    import matplotlib.pyplot as plt
    has_resp = bool(np.isfinite(ds.response_learned.values).any())
    if fig is None:
        fig = plt.figure(figsize=(6.5, 6.0 if has_resp else 3.6))
    ax = fig.add_subplot(2 if has_resp else 1, 1, 1)
    T = ds.epoch.values
    lam = ds.lambda_max.values
    ax.plot(T, lam, color="0.6", lw=0.8)
    for reg, color in _REGIME_COLORS.items():
        sel = ds.regime.values == reg
        if sel.any():
            ax.plot(T[sel], lam[sel], "o", ms=4, color=color, label=reg)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xlabel(label(ds.epoch))
    ax.set_ylabel("lambda_max [1/step]")
    ax2 = ax.twinx()
    ax2.plot(T, ds.spectral_radius.values, "--", color="C4", lw=1.0, label="rho(W)")
    ax2.plot(T, ds.rho_DF.values, ":", color="C5", lw=1.2, label="rho(DF) on the attractor")
    ax2.set_ylabel("spectral radius")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize="x-small", loc="upper right")
    if has_resp:
        bx = fig.add_subplot(2, 1, 2)
        for name, color in (("response_learned", "C0"), ("response_novel", "C3")):
            ok = np.isfinite(ds[name].values)
            bx.errorbar(T[ok], ds[name].values[ok], yerr=ds[name + "_stderr"].values[ok], fmt="o-", ms=3, lw=0.8,
                        color=color, label=name.replace("response_", "") + " pattern")
        bx.set_xlabel(label(ds.epoch))
        bx.set_ylabel("response amplitude")
        bx.legend(fontsize="x-small")
    fig.tight_layout()
    return fig


def selectivity_scan(ds, variable=None, ax=None):
    """A :func:`snt.plasticity.scan` Dataset: the median selectivity α (with the 25–75 % band) or, with
    ``variable="beta"``, the overlap index, against the scanned parameter."""
    ax = axes(ax)
    dim = [d for d in ds.dims if d != "neuron"][0]
    x = ds[dim].values
    if variable in (None, "alpha"):
        a = ds.alpha.values
        q1, med, q3 = np.percentile(a, [25, 50, 75], axis=1)
        ax.plot(x, med, "o-", label="median alpha_i")
        ax.fill_between(x, q1, q3, alpha=0.25, lw=0, label="25-75 %")
        ax.set_ylabel(label(ds.alpha))
        ax.legend(fontsize="small")
    else:
        ax.plot(x, ds[variable].values, "o-")
        ax.set_ylabel(label(ds[variable]))
    ax.set_xlabel(label(ds[dim]))
    return ax
