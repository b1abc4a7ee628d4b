"""Route to chaos: orbit diagram of m(t) and λ_max(g) from simulation against the mean-field λ_MF (E11), for
γ = 0 and γ = 0.5 as the two columns of one figure.

Reads the default study's store (``snt sweep`` writes ``data/results/snt-default.zarr``) when it is given or
present, else computes the same sweep through :func:`snt.sweep` (in this process).
"""

from pathlib import Path

import numpy as np

from . import _style as st

NAME = "route_to_chaos"
TITLE = "Route to chaos: λ_max(g), simulation against mean-field theory, γ = 0 and 0.5"
STORE = Path("data/results/snt-default.zarr")
SIZES = {"quick": {"N": 100, "gains": (0.2, 3.0, 15), "steps": 800, "transient": 600, "samples": 100},
         "full": {"N": 500, "gains": (0.2, 3.0, 57), "steps": 3000, "transient": 2000, "samples": 200}}


def compute(quick=True, seed=7):
    """The gain sweep of one network for γ ∈ {0, 0.5} (the default study's point function) with the first
    bifurcation of the origin per γ."""
    from ..bifurcation import first_bifurcation
    from ..ensembles import Ensemble
    from ..studies import _default_point
    from ..sweep import sweep
    cfg = SIZES["quick" if quick else "full"]
    net = Ensemble(N=cfg["N"], J=1.0).sample(seed=1)
    gains = np.linspace(*cfg["gains"][:2], cfg["gains"][2])
    ds = sweep(_default_point, {"g": gains, "gamma": [0.0, 0.5]}, base=net, seed=seed, client="serial",
               progress=False, common_random_numbers=True,
               study_kwargs={k: cfg[k] for k in ("steps", "transient", "samples")})
    g_c = [float(first_bifurcation(net.replace(gamma=float(gm)), g_max=float(gains[-1])).g_critical)
           for gm in ds.gamma.values]
    return ds.assign(g_critical=("gamma", g_c, {"long_name": "first bifurcation of the origin (E5)", "units": "1"}))


def load(source=None, quick=True):
    """The stored default study (``source``, or the default store when it exists and ``source`` is None), else
    :func:`compute`."""
    from ..io import open as open_result
    path = Path(source) if source is not None else STORE
    if source is not None or (path.exists() and not quick):
        return open_result(path).load()
    return compute(quick)


def draw(ds):
    """The figure of a default-study Dataset (dims g, gamma, sample)."""
    fig, axs = st.figure(2, ds.sizes["gamma"], height=4.2, sharex=True, gridspec_kw={"height_ratios": [1.3, 1]})
    g = ds.g.values
    for j, gamma in enumerate(ds.gamma.values):
        part = ds.isel(gamma=j)
        top, bot = axs[0, j], axs[1, j]
        orbit = part.M_orbit.values
        top.plot(np.repeat(g, orbit.shape[1]), orbit.ravel(), ".", ms=0.6, color="k", alpha=0.4,
                 rasterized=True, label=r"$m(t)$ on the attractor")
        top.set_ylabel(r"population mean $m(t)$")
        top.set_title(rf"$\gamma$ = {gamma:g}, N = {_size(ds)}")
        st.points(bot, g, part.lambda_max.values, part.lambda_max_stderr.values, k=0, label=r"simulation $\lambda_\max$")
        st.line(bot, g, part.lambda_mf.values, k=1, label=r"mean field $\lambda_\mathrm{MF}$")
        st.reference(bot, 0.0)
        g_c = float(part.g_critical) if "g_critical" in part else np.nan
        if np.isfinite(g_c):
            for ax in (top, bot):
                ax.axvline(g_c, color=st.color(2), ls=":", lw=1.0, label=f"first bifurcation g = {g_c:.2f}")
        bot.set_xlabel(r"gain $g$")
        bot.set_ylabel("Lyapunov exponent [1/step]")
        bot.set_ylim(max(bot.get_ylim()[0], -2.0), None)
        bot.legend(loc="lower right")
        top.legend(loc="upper left", markerscale=8, frameon=True, framealpha=0.9, edgecolor="none")
        st.panel_label(top, "ab"[j] if j < 2 else "")
    return fig


def _size(ds):
    import json
    try:
        net = json.loads(ds.attrs["parameters"])
        return net.get("base", {}).get("N") or net.get("N") or "?"
    except (KeyError, ValueError, AttributeError):
        return "?"


def make(out, quick=True, source=None):
    """Write the figure; returns its paths."""
    ds = load(source, quick)
    with st.style():
        return st.save(draw(ds), out, NAME)
