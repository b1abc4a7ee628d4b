"""Spectral laws of the coupling ensembles: eigenvalues of one sampled J against the circular or elliptic law
(E4), with the predicted outlier of a non-zero mean, for four ensembles (iid with a mean, reciprocally correlated,
sparse, Dale)."""

import numpy as np

from . import _style as st

NAME = "spectral_laws"
TITLE = "Circular and elliptic laws of the four coupling ensembles"


def ensembles(N):
    """The four ensembles of the figure, by panel title."""
    from ..ensembles import Correlated, Dale, Ensemble, Sparse
    return {r"iid Gaussian, $\bar J$ = 1.5": Ensemble(N=N, J=1.0, Jbar=1.5),
            r"reciprocally correlated, $\eta$ = 0.5": Correlated(N=N, J=1.0, eta=0.5),
            f"sparse, K = {N // 10} inputs per neuron": Sparse(N=N, K=N // 10, J=1.0),
            "Dale's law, 80 % excitatory": Dale(N=N, frac_exc=0.8, J=1.0)}


def compute(quick=True, seed=1):
    """``({title: snt.coupling_spectrum Dataset},)``: one network per ensemble."""
    from ..stability import coupling_spectrum
    N = 400 if quick else 2000
    return ({title: coupling_spectrum(ens.sample(seed=seed)) for title, ens in ensembles(N).items()},)


def draw_one(ax, ds, title=None):
    """Eigenvalues (points), law boundary (line), outliers and predicted outlier of one coupling spectrum."""
    z, out = ds.eigenvalue.values, ds.outside.values
    ax.plot(z[~out].real, z[~out].imag, "o", ms=1.2, color=st.color(0), alpha=0.6, mew=0,
            label=f"eigenvalues of J (N = {z.size})")
    b = ds.boundary.values
    st.line(ax, b.real, b.imag, k=1, lw=1.2, label=f"law, radius {float(ds.radius):.2f}, η = {float(ds.eta):.2g}")
    if out.any():
        ax.plot(z[out].real, z[out].imag, "s", ms=4, mfc="none", color=st.color(2), label="outside the law")
    pred = float(ds.predicted_outlier)
    if np.isfinite(pred):
        ax.plot([pred], [0.0], "x", ms=6, color="k", label=f"predicted outlier {pred:.2f}")
    re = np.concatenate([z.real, b.real, [pred] if np.isfinite(pred) else []])
    r = float(np.max(np.abs(b.imag)))
    ax.set_xlim(re.min() - 0.1 * r, re.max() + 0.1 * r)
    rows = 2 + int(out.any()) + int(np.isfinite(pred))
    ax.set_ylim(-1.1 * r, 1.15 * r + 0.13 * rows * (re.max() - re.min()))   # room for the legend
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(r"Re $\mu$")
    ax.set_ylabel(r"Im $\mu$")
    if title:
        ax.set_title(title, loc="left")
    ax.legend(loc="upper left", fontsize=6, borderaxespad=0.1)
    return ax


def draw(spectra):
    fig, axs = st.figure(2, 2, height=6.4)
    for ax, (title, ds), letter in zip(axs.ravel(), spectra.items(), "abcd"):
        draw_one(ax, ds, f"({letter}) {title}")
    return fig
