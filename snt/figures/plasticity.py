"""Plasticity: Hebbian learning with passive forgetting (docs/science/plasticity.md) brings a chaotic rate network
to order; the largest Lyapunov exponent and the spectral radius of the couplings over the learning epochs, with
the regime of every epoch, and the response to the learned pattern against novel ones."""

import numpy as np

from . import _style as st

NAME = "plasticity_hebbian"
TITLE = "Hebbian plasticity reduces the Lyapunov exponent of a chaotic network"
_REGIMES = ("chaotic", "quasi-periodic", "periodic", "fixed point")


def compute(quick=True):
    """``(ds,)``: a :func:`snt.plasticity.hebbian` Dataset (the setting of the plasticity notebook)."""
    from ..ensembles import Ensemble
    from ..plasticity import hebbian
    N = 100 if quick else 200
    net = Ensemble(N=N, J=2.0, g=4.0).sample(seed=2)
    xi = np.random.default_rng(102).standard_normal(N) * 0.2
    return (hebbian(net, xi, epochs=10 if quick else 25, steps_per_epoch=300, forgetting=0.9, rate=30.0, novel=2,
                    response_every=3, orbit_steps=600, orbit_transient=600, seed=2),)


def draw(ds):
    fig, axs = st.figure(1, 3, height=2.6)
    a, b, c = axs[0]
    T = ds.epoch.values
    lam = ds.lambda_max.values
    a.plot(T, lam, color=st.REFERENCE, lw=0.8, zorder=0, gid="reference")
    for k, reg in enumerate(_REGIMES):
        sel = ds.regime.values == reg
        if sel.any():
            a.plot(T[sel], lam[sel], st.MARKERS[k], color=st.color(k), label=reg)
    st.reference(a, 0.0)
    a.set_xlabel("learning epoch")
    a.set_ylabel(r"$\lambda_\max$ [1/step]")
    st.integer_axis(a, "x")
    a.legend(title="regime of the epoch")
    st.panel_label(a, "a")
    st.line(b, T, ds.spectral_radius.values, k=0, marker="o", ms=3, label="couplings ρ(W)")
    st.line(b, T, ds.rho_DF.values, k=1, marker="s", ms=3, label="ρ(DF) on the attractor")
    b.set_xlabel("learning epoch")
    b.set_ylabel("spectral radius")
    st.integer_axis(b, "x")
    b.legend()
    st.panel_label(b, "b")
    for k, name in enumerate(("response_learned", "response_novel")):
        ok = np.isfinite(ds[name].values)
        st.points(c, T[ok], ds[name].values[ok], ds[name + "_stderr"].values[ok], k=k, ls="-", lw=0.8,
                  label=name.replace("response_", "") + " pattern")
    c.set_xlabel("learning epoch")
    c.set_ylabel("response amplitude [1]")
    st.integer_axis(c, "x")
    c.legend()
    st.panel_label(c, "c")
    return fig
