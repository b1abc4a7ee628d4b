"""Figures of the linear response (``snt.response``): kernels of the estimators with the mean-field curve,
susceptibility amplitude and phase with the power spectrum."""

import numpy as np

from ._common import axes, label

__all__ = ["response_kernel", "susceptibility"]


def response_kernel(ds, ax=None, which="R_mean"):
    """R_mean(τ) (or ``which="R_diag"``) of every estimator with error bars, and the mean-field curve
    (a^τ, resp. γ^τ) of a :func:`snt.response.kernel` Dataset."""
    ax = axes(ax)
    lag = ds.lag.values
    y, err = ds[which], ds[which + "_stderr"]
    names = list(ds.estimator.values) if "estimator" in y.dims else [ds.attrs.get("method", "estimate")[:40]]
    for k, name in enumerate(names):
        yk = y.isel(estimator=k) if "estimator" in y.dims else y
        ek = err.isel(estimator=k) if "estimator" in err.dims else err
        ax.errorbar(lag + 0.08 * (k - (len(names) - 1) / 2), yk, yerr=ek, fmt="o", ms=3, capsize=2, label=str(name))
    if which + "_theory" in ds:
        ax.plot(lag, ds[which + "_theory"], "k-", lw=1.2, label="mean field")
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.set_xlabel(label(ds.lag))
    ax.set_ylabel(label(y))
    ax.legend(frameon=False)
    return ax


def susceptibility(chi, spectrum=None, axs=None):
    """The modulus of χ_m(ω) and its phase (two panels) from :func:`snt.response.susceptibility` or
    :func:`snt.response.susceptibility_from_kernel`; the power spectrum (:func:`snt.power_spectrum`) on a
    second y axis of the amplitude panel. Returns the Axes (amplitude, phase, spectrum or None)."""
    if axs is None:
        import matplotlib.pyplot as plt
        _, axs = plt.subplots(2, 1, figsize=(6, 5), sharex=True)
    ax_a, ax_p = axs
    cm = chi["chi_mean"]
    if "estimator" in cm.dims:
        cm = cm.isel(estimator=0)
    w = chi.omega.values
    ax_a.plot(w, np.abs(cm.values), lw=1.5, label="|chi|")
    ax_p.plot(w, np.angle(cm.values), lw=1.5)
    ax_a.set_ylabel("|chi_m(omega)|")
    ax_p.set_ylabel("arg chi_m [rad]")
    ax_p.set_xlabel(label(chi.omega))
    twin = None
    if spectrum is not None:
        twin = ax_a.twinx()
        twin.semilogy(spectrum.omega, spectrum.power, color="C3", lw=1.0, label="power spectrum")
        twin.set_ylabel(label(spectrum.power))
    return ax_a, ax_p, twin
