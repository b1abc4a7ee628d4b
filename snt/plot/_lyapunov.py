"""Figures of the stability and Lyapunov analyses (SCIENCE.md E4, E6)."""

import numpy as np

from ._common import axes, label

__all__ = ["max_lyapunov", "lyapunov_spectrum", "coupling_spectrum"]


def max_lyapunov(ds, ax=None, theory=None):
    """Running estimate ``lambda_max_t`` of a :func:`snt.max_lyapunov` Dataset, one line per trial, with the
    trial mean ± its standard error as a band and an optional theory value (e.g. the DMFT exponent, E11)."""
    ax = axes(ax)
    run = ds["lambda_max_t"]
    for trial in run.trial.values:
        ax.plot(run.time, run.sel(trial=trial), lw=0.8, label=f"trial {trial}")
    mean, se = float(ds.lambda_max.mean()), float(ds.lambda_max_stderr)
    ax.axhline(mean, color="k", lw=1.0, label=f"mean {mean:.4g} ± {se:.2g}")
    ax.axhspan(mean - se, mean + se, color="k", alpha=0.15, lw=0)
    if theory is not None:
        ax.axhline(float(theory), color="C3", ls="--", lw=1.0, label=f"theory {float(theory):.4g}")
    ax.axhline(0.0, color="0.5", lw=0.6)
    ax.set_xlabel(label(ds.time))
    ax.set_ylabel(label(run))
    ax.legend(fontsize="small")
    return ax


def lyapunov_spectrum(ds, ax=None):
    """Exponents of a :func:`snt.lyapunov_spectrum` Dataset against their index, with error bars and the
    zero line; the Kaplan--Yorke dimension is marked when it is determined."""
    ax = axes(ax)
    lam = ds["exponents"]
    ax.errorbar(lam.exponent, lam, yerr=ds["exponents_stderr"], fmt="o", ms=3, lw=0.8, label=label(lam))
    ax.axhline(0.0, color="k", lw=0.8)
    if bool(ds.kaplan_yorke_complete) and np.isfinite(float(ds.kaplan_yorke_dimension)):
        d = float(ds.kaplan_yorke_dimension)
        ax.axvline(d, color="C3", ls="--", lw=0.8, label=f"Kaplan-Yorke dimension {d:.3g}")
    ax.set_xlabel(label(ds.exponent))
    ax.set_ylabel(label(lam))
    ax.legend(fontsize="small")
    return ax


def coupling_spectrum(ds, ax=None, gain=None):
    """Eigenvalues of J in the complex plane with the circular/elliptic law (E4) of a
    :func:`snt.coupling_spectrum` Dataset; outliers highlighted. With ``gain`` g, also the circle
    :math:`|\\mu| = 1/g` whose crossing destabilises the origin when gamma = 0 (E5)."""
    ax = axes(ax)
    z = ds["eigenvalue"].values
    out = ds["outside"].values
    ax.plot(z[~out].real, z[~out].imag, ".", ms=2.5, color="C0", label="eigenvalues of J")
    if out.any():
        ax.plot(z[out].real, z[out].imag, "o", ms=5, mfc="none", color="C3", label="outliers")
    b = ds["boundary"].values
    ax.plot(b.real, b.imag, color="k", lw=1.0, label=f"E4 law (radius {float(ds.radius):.3g}, "
                                                      f"eta {float(ds.eta):.2g})")
    pred = float(ds.predicted_outlier)
    if np.isfinite(pred):
        ax.plot([pred], [0.0], "x", color="C3", ms=8, label=f"predicted outlier {pred:.3g}")
    if gain is not None:
        phi = np.linspace(0, 2 * np.pi, 361)
        ax.plot(np.cos(phi) / gain, np.sin(phi) / gain, "--", color="C2", lw=0.8, label=f"|mu| = 1/g, g = {gain}")
    ax.set_aspect("equal")
    ax.set_xlabel("Re eigenvalue")
    ax.set_ylabel("Im eigenvalue")
    ax.legend(fontsize="small")
    return ax
