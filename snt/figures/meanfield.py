"""Dynamic mean-field theory against simulation: the autocovariance Δ(τ) at N = 500, 1000, 2000 (theory as a
line), the approach of the simulated λ_max and v to the theory as c/N, and noise-induced suppression of chaos,
λ_MF(σ) with simulated points and the critical noise σ_c (E7–E11)."""

import numpy as np

from . import _style as st

NAME = "meanfield_vs_simulation"
TITLE = "Mean field against simulation: finite-N approach and noise-induced suppression of chaos"
SIZES = (500, 1000, 2000)


def compute(quick=True, g=2.0, gamma=0.5):
    """``(by_size, noise)``: ``compare`` Datasets per N and network seed, and the noise scan with simulations."""
    from ..ensembles import Ensemble
    from ..meanfield import compare, critical_noise, scan
    steps, trials, networks = (400, 2, 2) if quick else (3000, 8, 6)
    transient = 200 if quick else 500
    by_size = {N: [compare(Ensemble(N=N, J=1.0, g=g, gamma=gamma), steps=steps, trials=trials, seed=100 * N + s,
                           lags=12, lyapunov=True, transient=transient) for s in range(networks)] for N in SIZES}
    ens = Ensemble(N=SIZES[0], J=1.0, g=g, gamma=gamma)
    sigma_c = critical_noise(ens)
    sigmas = np.linspace(0.0, 1.4 * sigma_c, 29)
    theory = scan(ens, "sigma", sigmas, lags=2)
    sim_sigmas = np.linspace(0.0, 1.3 * sigma_c, 5 if quick else 9)
    sims = [compare(ens.replace(sigma=float(s)), steps=steps, trials=trials, seed=7, lags=2, lyapunov=True,
                    transient=transient) for s in sim_sigmas]
    return by_size, {"theory": theory, "sigma": sim_sigmas, "sims": sims, "sigma_c": sigma_c, "g": g,
                     "gamma": gamma}


def draw(by_size, noise):
    fig, axs = st.figure(1, 3, height=2.6)
    a, b, c = axs[0]
    first = by_size[SIZES[0]][0]
    lag = first.lag.values
    st.line(a, lag, first.covariance.sel(estimator="theory").values, k=6, label="mean field")
    for k, N in enumerate(SIZES):
        sim = np.array([d.covariance.sel(estimator="simulation").values for d in by_size[N]])
        err = np.array([d.covariance_stderr.values for d in by_size[N]])
        st.points(a, lag + 0.15 * (k - 1), sim.mean(0), np.sqrt((err ** 2).mean(0) / len(sim)), k=k,
                  label=f"simulation, N = {N}")
    a.set_xlabel(r"lag $\tau$ [steps]")
    a.set_ylabel(r"autocovariance $\Delta(\tau)$ of $u$")
    st.integer_axis(a, "x")
    st.reference(a, 0.0)
    a.legend()
    st.panel_label(a, "a")

    Ns = np.array(SIZES, dtype=float)
    for k, (name, text) in enumerate((("lambda_max", r"$|\lambda_\max - \lambda_\mathrm{MF}|$"),
                                      ("v", r"$|v - v^*| / v^*$"))):
        dev = np.array([[abs(float(d[name].sel(estimator="simulation") - d[name].sel(estimator="theory")))
                         / (abs(float(d[name].sel(estimator="theory"))) if name == "v" else 1.0)
                         for d in by_size[N]] for N in SIZES])
        mean, se = dev.mean(1), dev.std(1, ddof=1) / np.sqrt(dev.shape[1])
        st.points(b, Ns, mean, se, k=k, label=text)
        coef = float(np.sum(mean / Ns) / np.sum(1 / Ns ** 2))          # least-squares c of c/N
        st.line(b, Ns, coef / Ns, k=k, lw=0.8, label=f"c/N, c = {coef:.2g}")
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xticks(Ns, [str(int(n)) for n in Ns])
    b.minorticks_off()
    b.set_xlabel("network size N [neurons]")
    b.set_ylabel("deviation from mean field")
    b.legend(fontsize=6, loc="lower left")
    st.panel_label(b, "b")

    th = noise["theory"]
    st.line(c, th.sigma.values, th.lambda_max.values, k=6, label=r"mean field $\lambda_\mathrm{MF}$")
    lam = [float(d.lambda_max.sel(estimator="simulation")) for d in noise["sims"]]
    err = [float(d.lambda_max_stderr) for d in noise["sims"]]
    st.points(c, noise["sigma"], lam, err, k=0, label=f"simulation, N = {SIZES[0]}")
    c.axvline(noise["sigma_c"], color=st.color(1), ls="--", lw=1.0,
              label=rf"critical noise $\sigma_c$ = {noise['sigma_c']:.2f}")
    st.reference(c, 0.0)
    c.set_xlabel(r"noise amplitude $\sigma$")
    c.set_ylabel(r"Lyapunov exponent [1/step]")
    c.set_title(rf"g = {noise['g']:g}, $\gamma$ = {noise['gamma']:g}", loc="right")
    c.legend(loc="lower left")
    st.panel_label(c, "c")
    return fig
