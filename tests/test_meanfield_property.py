"""Property: over a box of ensembles (J, J̄, θ̄, σ_θ, σ, g, γ) that includes mean modes a = γ + J̄<f'> beyond
±1, the mean-field state agrees with a simulation of the same ensemble, or says it could not decide.

Finite-N tolerances (N = 1000; N = 400 for the fast variant, scaled by √(1000/N)): |m| to 0.05 (1 + |m|)
plus 3 √(v/(N(1 − a²))) (the fluctuation of a finite population mean, amplified by the mean mode a),
v to 10 % + 0.02; λ away from the onset (|λ_MF| > 0.1; near it finite networks do not follow the mean field,
SCIENCE.md §4): at a fixed point λ = ln ρ(DF(u*)) of one network is compared with its law over networks of size N
(`snt.meanfield.finite_size_lambda`: within 5 of its standard deviations + 3 se), elsewhere (a time average) to
0.2 (1000/N) + 3 se above λ_MF = -1.5; a period-2 mean must be a period-2 mean of the network and conversely
(σ = 0).
The state is solved from the simulation's mean as m0 (several stable states can coexist; the theory reports
the one its march reaches from m0)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import snt

BOX = dict(J=st.floats(0.5, 1.5), Jbar=st.floats(-3.0, 3.0), theta_mean=st.floats(-0.5, 0.5),
           theta_std=st.floats(0.0, 0.5), sigma=st.sampled_from([0.0, 0.0, 0.3]), g=st.floats(0.5, 2.5),
           gamma=st.sampled_from([0.0, 0.0, 0.3, 0.6]))


def _check(kw, N, seed=7):
    ens = snt.Ensemble(N=N, **kw)
    net = ens.sample(seed)
    sim = snt.simulate(net, 200, transient=1500, seed=seed)
    u = sim.u.values[0]
    if bool(sim.diverged[0]):
        return
    st_ = snt.meanfield.stationary(ens, m0=float(u[-1].mean()))
    state = str(st_.regime.values)
    if state in ("not converged", "marginal"):
        assert st_.attrs["state_reason"]         # undecided, and says why
        return
    k = np.sqrt(1000.0 / N)
    alternating = np.mean(np.abs(u[-1].mean() - u[-2].mean())) > 0.2 * (1 + abs(u[-1].mean()))
    if kw["sigma"] == 0.0 and state in ("fixed point", "period-2 mean"):
        assert alternating == (state == "period-2 mean"), (state, u[-4:].mean(1))
    m_th = np.sort(np.abs(st_.m_phase.values.ravel()))
    m_sim = np.sort(np.abs(u[-2:].mean(1))) if alternating else np.full(2, abs(u[-50:].mean()))
    if state.endswith("period-2 mean") or not alternating:
        # the population mean of a finite network fluctuates by ~ sqrt(v/N) around m*, amplified by the
        # mean mode a (a linear mode driven by O(N^-1/2) noise: variance v / (N (1 - a^2)))
        a2 = min(float(np.exp(2 * st_.lambda_mean_uncoupled)), 0.99)
        spread = 3.0 * np.sqrt(max(float(st_.v_phase.max()), 0.0) / (N * (1.0 - a2)))
        np.testing.assert_allclose(m_sim, m_th, atol=0.05 * k * (1 + m_th.max()) + spread)
        v_sim = u[-50:].var(1).mean() if not alternating else u[-2:].var(1).mean()
        assert abs(v_sim - float(st_.v_phase.mean())) <= (0.1 * float(st_.v_phase.mean()) + 0.02) * k
    lam = float(st_.lambda_max)
    if abs(lam) <= 0.1:
        return      # near the onset finite networks do not follow the mean field (SCIENCE.md §4)
    ly = snt.max_lyapunov(net, 2500, transient=1500, seed=seed)
    lam_sim, se = float(ly.lambda_max.mean()), float(ly.lambda_max_stderr)
    if state == "fixed point":
        # lambda of one network is ln rho(DF(u*)), an extreme value carried by ~N_eff units: compared with its
        # law over networks of size N (the mean field at size N), 5 standard deviations of that law (its
        # estimate from 24 draws is within ~15 %) plus 3 standard errors of the simulated exponent
        fs = snt.meanfield.finite_size_lambda(ens, st_, draws=24, seed=seed)
        tol = 5 * float(fs.lambda_max_std) + 3 * se
        assert abs(lam_sim - float(fs.lambda_max_mean)) <= tol, (state, lam, float(fs.lambda_max_mean), tol)
    elif lam > -1.5:
        # a time average along the orbit (chaos, noise, a period-2 mean), not one Jacobian's edge: the tolerance
        # is the finite-N deviation measured at a fixed point (J = 1, J-bar = 2, g = 2: 0.18 at N = 1000, 0.08 at
        # N = 2000), not a law derived for these states
        tol = 0.2 * 1000.0 / N + 3 * se
        assert abs(lam_sim - lam) <= tol, (state, lam)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(**BOX)
def test_meanfield_state_matches_simulation_fast(**kw):
    _check(kw, N=400)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**BOX)
def test_meanfield_state_matches_simulation_N1000(**kw):
    _check(kw, N=1000)
