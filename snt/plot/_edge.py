"""Figure of the edge of chaos from simulation (``snt.edge_of_chaos``)."""

import numpy as np

from ._common import label

__all__ = ["edge_of_chaos"]


def edge_of_chaos(ds, axs=None):
    """Left: network-averaged λ(g) per size with standard errors, the crossings and the mean-field g_c.
    Right: the crossings against 1/N with their intervals, the 1/N fit to N -> ∞ and the mean-field value.

    Returns the two Axes.
    """
    if axs is None:
        import matplotlib.pyplot as plt
        _, axs = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_l, ax_n = axs
    g = ds.g.values
    for N in ds["size"].values:
        row = ds.sel(size=N)
        ax_l.errorbar(g, row.lambda_mean.values, yerr=row.lambda_mean_stderr.values, fmt="o-", ms=3, capsize=2,
                      label=f"N = {N}")
    ax_l.axhline(0.0, color="0.6", lw=0.8)
    ax_l.axvline(float(ds.g_meanfield), color="k", ls="--", lw=1, label="mean field")
    ax_l.set_xlabel(label(ds.g))
    ax_l.set_ylabel(label(ds.lambda_mean))
    ax_l.legend(frameon=False, fontsize="small")
    x = 1.0 / ds["size"].values
    y = ds.g_zero.values
    err = np.abs(np.stack([y - ds.g_zero_low.values, ds.g_zero_high.values - y]))
    ax_n.errorbar(x, y, yerr=np.nan_to_num(err), fmt="o", capsize=3, label="simulation")
    g_inf = float(ds.g_infinity)
    if np.isfinite(g_inf):
        ok = np.isfinite(y)
        xs = np.linspace(0.0, x.max(), 50)
        slope = np.polyfit(x[ok], y[ok] - g_inf, 1)[0] if ok.sum() >= 2 else 0.0
        ax_n.plot(xs, g_inf + slope * xs, lw=1, label="fit g_inf + b/N")
        ax_n.errorbar([0.0], [g_inf], yerr=[float(ds.g_infinity_stderr)], fmt="s", capsize=3, label="N -> inf")
    ax_n.axhline(float(ds.g_meanfield), color="k", ls="--", lw=1, label="mean field")
    ax_n.set_xlabel("1/N")
    ax_n.set_ylabel(label(ds.g_zero))
    ax_n.legend(frameon=False, fontsize="small")
    return axs
