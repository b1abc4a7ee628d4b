"""Linear response (E12, E13): the population kernel R_m(τ) by the three estimators (Jacobian, perturbation,
noise) against the mean field a^τ (R(0) = I); |χ_m(ω)| measured by periodic forcing against the kernel's Fourier sum
and the mean field 1/(1 - a e^(-iω)); the power spectrum of M(t) on the same frequency axis."""

import warnings

import numpy as np

from . import _style as st

NAME = "linear_response"
TITLE = "Linear response: three estimators and mean field, susceptibility and power spectrum"


def network(quick=True):
    from ..ensembles import Ensemble
    return Ensemble(N=200 if quick else 1000, J=1.0, Jbar=0.5, g=1.2, gamma=0.5, sigma=0.2).sample(seed=1)


def compute(quick=True):
    """``(kernel, chi_forced, chi_kernel, spectrum)`` of one network."""
    from ..response import kernel, susceptibility, susceptibility_from_kernel
    from ..simulate import simulate
    from ..spectra import power_spectrum
    net = network(quick)
    trials, steps = (8, 2000) if quick else (32, 8000)
    k = kernel(net, 12, method=["jacobian", "perturbation", "noise"], trials=trials, steps=steps, seed=3)
    omegas = np.linspace(0.1, np.pi, 10 if quick else 24)
    chi = susceptibility(net, omegas, eps=0.02, trials=trials // 2, steps=steps, seed=4)
    with warnings.catch_warnings():
        # the drawn quantity is chi_mean, whose tail bound the legend states; the single-neuron columns of a
        # short noisy kernel need not have a finite bound, and that warning is not about this figure
        warnings.filterwarnings("ignore", message="susceptibility_from_kernel: chi is truncated")
        ck = susceptibility_from_kernel(k, np.linspace(0.0, np.pi, 100))
    ps = power_spectrum(simulate(net, 4 * steps, trials=4, seed=5, record=("M",)), "M")
    return k, chi, ck, ps


def draw(k, chi, ck, ps):
    fig, axs = st.figure(1, 3, height=2.6)
    a, b, c = axs[0]
    lag = k.lag.values
    names = {"jacobian": "Jacobian (tangent)", "perturbation": "perturbation", "noise": "noise (Novikov)"}
    for j, name in enumerate(k.estimator.values):
        st.points(a, lag + 0.12 * (j - 1), k.R_mean.isel(estimator=j), k.R_mean_stderr.isel(estimator=j), k=j,
                  label=names.get(str(name), str(name)))
    a_mf = float(k.a)
    st.line(a, lag, k.R_mean_theory, k=6, label=rf"mean field $a^{{\tau}}$, a = {a_mf:.2f}")
    st.reference(a, 0.0)
    a.set_xlabel(r"lag $\tau$ [steps]")
    a.set_ylabel(r"population response $R_m(\tau)$")
    st.integer_axis(a, "x")
    a.legend(loc="upper right")
    st.panel_label(a, "a")

    w = ck.omega.values
    z = np.exp(-1j * w)
    st.line(b, w, np.abs(1 / (1 - a_mf * z)), k=6, label="mean field")
    tail = float(ck.chi_mean_truncation.isel(estimator=0))
    st.line(b, w, ck.amplitude.isel(estimator=0), k=0,
            label=f"Fourier sum of R, tail ≤ {tail:.1g}")
    st.points(b, chi.omega.values, chi.amplitude.values, chi.chi_mean_stderr.values, k=1,
              label="periodic forcing")
    b.set_xlabel(r"frequency $\omega$ [rad/step]")
    b.set_ylabel(r"susceptibility $|\chi_m(\omega)|$")
    b.set_xlim(0, np.pi)
    b.legend()
    st.panel_label(b, "b")

    c.fill_between(ps.omega, ps.power - ps.power_stderr, ps.power + ps.power_stderr, color=st.color(0), alpha=0.3,
                   lw=0, label="± standard error")
    st.line(c, ps.omega, ps.power, k=0, label=f"power spectrum of M(t), {int(ps.trials_used)} trials")
    c.set_yscale("log")
    c.set_xlim(0, np.pi)
    c.set_xlabel(r"frequency $\omega$ [rad/step]")
    c.set_ylabel(r"power of $M$ [1/(rad/step)]")
    c.legend(loc="upper right")                  # the spectrum falls from the upper left
    st.panel_label(c, "c")
    return fig
