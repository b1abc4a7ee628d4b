"""Lyapunov spectra (E6) of one network at several gains, with the Kaplan–Yorke dimension D_KY marked where the
spectrum crosses zero, and D_KY / N against the gain."""

import numpy as np

from . import _style as st

NAME = "lyapunov_spectra"
TITLE = "Lyapunov spectra and the Kaplan–Yorke dimension"


def compute(quick=True, gamma=0.0):
    """``({g: snt.lyapunov_spectrum Dataset},)``: one network (all N exponents) at a few gains."""
    from ..ensembles import Ensemble
    from ..lyapunov import lyapunov_spectrum
    N, steps = (80, 1500) if quick else (200, 6000)
    net = Ensemble(N=N, J=1.0, gamma=gamma).sample(seed=1)
    gains = (1.5, 2.0, 3.0, 4.0) if quick else (1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)
    return ({g: lyapunov_spectrum(net.replace(g=g), steps, k=N, transient=500, trials=2, seed=2) for g in gains},)


def draw(spectra):
    fig, axs = st.figure(1, 2, height=2.8, gridspec_kw={"width_ratios": [1.6, 1]})
    a, b = axs[0]
    N = next(iter(spectra.values())).sizes["exponent"]
    dims, marked = [], False
    for k, (g, ds) in enumerate(spectra.items()):
        i = ds.exponent.values
        d = float(ds.kaplan_yorke_dimension) if bool(ds.kaplan_yorke_complete) else np.nan
        dims.append((g, d))
        a.errorbar(i, ds.exponents, yerr=ds.exponents_stderr, fmt=st.MARKERS[k] + "-", color=st.color(k), ms=2.5, lw=0.6,
                   elinewidth=0.6, markevery=max(1, len(i) // 20),
                   label=f"g = {g:g}" + (f", $D_{{KY}}$ = {d:.1f}" if np.isfinite(d) else ""))
        if np.isfinite(d):
            tick = a.plot([d], [0.0], "|", color=st.color(k), ms=12, mew=1.5,
                          label=r"$D_{KY}$ (tick on the zero line)" if not marked else None)[0]
            if marked:
                tick.set_gid("reference")   # one legend entry explains every tick
            marked = True
    st.reference(a, 0.0)
    a.set_xlabel(r"exponent index $i$")
    a.set_ylabel(r"Lyapunov exponent $\lambda_i$ [1/step]")
    a.set_ylim(max(a.get_ylim()[0], -1.5), None)
    st.integer_axis(a, "x")
    a.legend(loc="upper right")
    st.panel_label(a, "a")
    g, d = np.array(dims).T
    st.points(b, g, d / N, k=0, label=f"simulation, N = {N}")
    b.set_xlabel(r"gain $g$")
    b.set_ylabel(r"Kaplan–Yorke dimension $D_{KY}/N$")
    b.set_ylim(0, None)
    b.legend()
    st.panel_label(b, "b")
    return fig
