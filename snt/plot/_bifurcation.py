"""Figures of the route to chaos: orbit diagram with the Lyapunov exponent, continuation eigenvalues,
power spectra."""

import numpy as np

from ._common import axes, label

__all__ = ["orbit_diagram", "continuation", "power_spectra"]


def orbit_diagram(ds, fig=None, theory=None, g_critical=None):
    """Orbit diagram of the activity M(t) over g (top) with lambda_max(g) and its error bars underneath.

    Parameters
    ----------
    ds : Dataset from ``gain_sweep`` (dims g, sample), or one gamma slice of a sweep.
    theory : DataArray over g, optional
        The mean-field lambda_MF(g) to overlay (e.g. ``snt.meanfield.scan(ens, "g", gains).lambda_max``).
    g_critical : float, optional
        Draws the first bifurcation as a vertical line.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(7, 6))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    g = ds.g.values
    orbit = ds.M_orbit.values
    top.plot(np.repeat(g, orbit.shape[1]), orbit.ravel(), ",k", alpha=0.5)
    top.set_ylabel(label(ds.M_orbit))
    bottom.errorbar(g, ds.lambda_max.values, yerr=ds.lambda_max_stderr.values, fmt=".", ms=3, label="simulation")
    if theory is not None:
        bottom.plot(theory.g.values, theory.values, "-", color="C3", label="mean-field λ_MF")
    bottom.axhline(0.0, color="0.5", lw=0.8)
    for ax in (top, bottom):
        if g_critical is not None and np.isfinite(g_critical):
            ax.axvline(g_critical, color="C2", ls="--", lw=0.8)
    bottom.set_xlabel(label(ds.g))
    bottom.set_ylabel(f"λ_max [{ds.lambda_max.attrs.get('units', '1/step')}]")
    bottom.legend(loc="upper left", fontsize="small")
    fig.align_ylabels((top, bottom))
    return fig


def continuation(ds, ax=None):
    """Moduli of the leading eigenvalues of DF at the fixed point along g, with the unit line."""
    ax = axes(ax)
    for mode in ds.mode.values:
        ax.plot(ds.g.values, ds.modulus.sel(mode=mode).values, lw=1)
    ax.axhline(1.0, color="0.5", lw=0.8)
    if "g_critical" in ds and np.isfinite(float(ds.g_critical)):
        ax.axvline(float(ds.g_critical), color="C2", ls="--", lw=0.8,
                   label=f"{ds.kind.values.item()} at g = {float(ds.g_critical):.4f}")
        ax.legend(fontsize="small")
    ax.set_xlabel(label(ds.g))
    ax.set_ylabel(label(ds.modulus))
    return ax


def power_spectra(ds, ax=None):
    """Power spectra of M(t) at the gains of ``snt.bifurcation.spectra`` (log scale, ω in rad/step)."""
    ax = axes(ax)
    for g in ds.g.values:
        ax.semilogy(ds.omega.values, ds.power.sel(g=g).values, lw=0.8, label=f"g = {g:g}")
    ax.set_xlabel(label(ds.omega))
    ax.set_ylabel(label(ds.power))
    ax.legend(fontsize="small")
    return ax
