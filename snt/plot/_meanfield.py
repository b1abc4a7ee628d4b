"""Figures of the dynamic mean-field theory (``snt.meanfield``): theory curves with simulation points."""

import numpy as np

from ._common import axes, label

__all__ = ["meanfield_scan", "meanfield_correlation"]


def meanfield_scan(theory, simulation=None, axs=None):
    """v* and λ_MF along the scanned parameter (``snt.meanfield.scan``) as lines, with simulation points
    and error bars from ``compare`` Datasets concatenated along the same dim (``xr.concat(..., dim="g")``).

    Returns the two Axes (v*, λ).
    """
    dim = next(d for d in theory.dims if d not in ("lag", "population"))
    if axs is None:
        import matplotlib.pyplot as plt
        _, axs = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_v, ax_l = axs
    x = theory[dim].values
    for ax, name in ((ax_v, "v"), (ax_l, "lambda_max")):
        y = theory[name]
        if "population" in y.dims:
            for p in y.population.values:
                ax.plot(x, y.sel(population=p), lw=1.5, label=f"DMFT, population {p}")
        else:
            ax.plot(x, y, lw=1.5, label="DMFT")
        if simulation is not None and name in simulation:
            sim = simulation[name].sel(estimator="simulation")
            err = simulation.get(f"{name}_stderr")
            if "population" in sim.dims:
                sim = sim.isel(population=0)
                err = err.isel(population=0) if err is not None else None
            ax.errorbar(simulation[dim].values, sim.values, yerr=None if err is None else err.values, fmt="o",
                        ms=4, capsize=2, label="simulation")
        ax.set_xlabel(label(theory[dim]))
        ax.set_ylabel(label(y))
    ax_l.axhline(0.0, color="0.6", lw=0.8)
    ax_l.legend(frameon=False)
    return axs


def meanfield_correlation(ds, ax=None):
    """Δ(τ): the theory as a line and the simulated autocovariance with error bars (a ``compare`` Dataset),
    or the theory alone (a ``stationary`` Dataset)."""
    ax = axes(ax)
    D = ds["covariance"]
    if "population" in D.dims:
        D = D.isel(population=0)
    lag = ds["lag"].values
    if "estimator" in D.dims:
        ax.plot(lag, D.sel(estimator="theory"), lw=1.5, label="DMFT")
        err = ds.get("covariance_stderr")
        if err is not None and "population" in err.dims:
            err = err.isel(population=0)
        ax.errorbar(lag, D.sel(estimator="simulation"), yerr=None if err is None else np.asarray(err), fmt="o", ms=3,
                    capsize=2, label="simulation")
        ax.legend(frameon=False)
    else:
        ax.plot(lag, D, lw=1.5, label="DMFT")
    ax.set_xlabel(label(ds["lag"]))
    ax.set_ylabel(label(ds["covariance"]))
    return ax
