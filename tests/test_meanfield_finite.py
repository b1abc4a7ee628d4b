"""The finite-size law of a fixed point's Lyapunov exponent (snt.meanfield.finite_size_lambda, SCIENCE.md §4):
the spectral edge of J diag(f'(u*)) is carried by N_eff = N <f'^2>^2/<f'^4> units, so lambda of one network
scatters around lambda_MF by ~ 1/sqrt(N_eff)."""

import numpy as np
import pytest

import snt

#: a saturated ferromagnetic fixed point: the few units near u = 0 carry <f'^2> (N_eff = 0.021 N)
SATURATED = dict(J=1.5, Jbar=3.0, theta_mean=0.5, g=2.0)


def _network_lambda(net, u0, steps=5000):
    """Plain numpy: the fixed point of u <- gamma u + J tanh(g u) - theta from u0, and ln rho(DF(u*))."""
    W, th, g, gam = np.asarray(net.J), np.asarray(net.theta), net.g, net.gamma
    u = np.array(u0, dtype=float)
    for _ in range(steps):
        new = gam * u + W @ np.tanh(g * u) - th
        change = np.max(np.abs(new - u))
        u = new
        if change < 1e-12:
            break
    assert change < 1e-10, "no fixed point reached"
    d = g * (1.0 - np.tanh(g * u) ** 2)
    return float(np.log(np.max(np.abs(gam + np.linalg.eigvals(W * d[None, :]))))), u


def _normcdf_participation(N, m, v, g):
    """Closed form for f = Phi(g u): f' = g phi(g u), E phi(g u)^k = (2 pi)^(-k/2) e^{-k g^2 m^2 / (2 (1 + k g^2 v))}
    / sqrt(1 + k g^2 v) for u ~ N(m, v)."""
    def moment(k):
        return (g / np.sqrt(2 * np.pi)) ** k * np.exp(-k * g * g * m * m / (2 * (1 + k * g * g * v))) \
            / np.sqrt(1 + k * g * g * v)
    return N * moment(2) ** 2 / moment(4)


@pytest.mark.parametrize("kw", [dict(J=1.0, Jbar=0.5, theta_mean=0.4, g=1.5),
                                dict(J=1.0, Jbar=3.0, theta_mean=0.5, g=4.0, gamma=0.3)])
def test_effective_units_closed_form(kw):
    ens = snt.Ensemble(N=800, transfer="normcdf", **kw)
    st = snt.meanfield.stationary(ens, m0=1.0)
    assert str(st.regime.values) == "fixed point"
    expect = _normcdf_participation(800, float(st.m), float(st.v), kw["g"])
    np.testing.assert_allclose(float(st.effective_units), expect, rtol=1e-9)


def test_sampling_spread_closed_form():
    """The delta-method spread c/2 sqrt(1/N_eff - 1/N) against the spread of ln J sqrt(mean f'^2) over N = 4000
    sampled units (the part of lambda's spread that the sampling of the slopes makes)."""
    from snt.meanfield._finite import SLOPE_STEP, sampling_spread, slope_moments
    from snt.meanfield._gauss import grid
    ens = snt.Ensemble(N=4000, **SATURATED)
    st = snt.meanfield.stationary(ens, m0=-3.0)
    z, w = grid(SLOPE_STEP, 9.0)
    d2, d4 = slope_moments(float(st.m), float(st.v), 2.0, 0, z, w)
    rng = np.random.default_rng(3)
    u = float(st.m) + np.sqrt(float(st.v)) * rng.standard_normal((400, 4000))
    spread = np.std(0.5 * np.log(np.mean((2.0 * (1.0 - np.tanh(2.0 * u) ** 2)) ** 2, axis=1)), ddof=1)
    # 400 draws: the sample standard deviation is within ~3.5 % (1 sigma); the delta method is first order
    # in 1/sqrt(N_eff) = 0.11
    np.testing.assert_allclose(sampling_spread(4000, 1.5, 0.0, d2, d4), spread, rtol=0.15)


def test_law_matches_sampled_networks():
    """16 networks of N = 300 at the saturated fixed point: their ln rho(DF(u*)) (plain numpy) has the mean
    and spread of the law; lambda_MF alone is off by several of the law's standard errors of the mean."""
    ens = snt.Ensemble(N=300, **SATURATED)
    st = snt.meanfield.stationary(ens, m0=-3.0)
    fs = snt.meanfield.finite_size_lambda(ens, st, draws=64, seed=0)
    rng = np.random.default_rng(0)
    lam = np.array([_network_lambda(ens.sample(s), float(st.m) + np.sqrt(float(st.v)) * rng.standard_normal(300))[0]
                    for s in range(16)])
    sd = float(fs.lambda_max_std)
    assert sd > float(fs.lambda_sampling_std) > 0.1       # N_eff ~ 6: a broad law
    # difference of two sample means: standard error sd sqrt(1/16 + 1/64)
    assert abs(lam.mean() - float(fs.lambda_max_mean)) <= 3 * sd * np.sqrt(1 / 16 + 1 / 64)
    # sample standard deviation of 16 values: within a factor 1.6 at ~2.5 sigma
    assert 1 / 1.6 <= lam.std(ddof=1) / sd <= 1.6
    assert float(fs.lambda_max_low) < float(fs.lambda_max_mean) < float(fs.lambda_max_high)


def test_reproducible_and_prefix_stable():
    ens = snt.Ensemble(N=200, **SATURATED)
    st = snt.meanfield.stationary(ens, m0=-3.0)
    a = snt.meanfield.finite_size_lambda(ens, st, draws=8, seed=5)
    b = snt.meanfield.finite_size_lambda(ens, st, draws=8, seed=5)
    c = snt.meanfield.finite_size_lambda(ens, st, draws=12, seed=5)
    np.testing.assert_array_equal(a.lambda_max.values, b.lambda_max.values)
    np.testing.assert_array_equal(a.lambda_max.values, c.lambda_max.values[:8])   # draw k uses child k


def test_refuses_other_states_and_ensembles():
    chaotic = snt.Ensemble(N=200, J=1.0, g=2.0)
    with pytest.raises(ValueError, match="fixed point"):
        snt.meanfield.finite_size_lambda(chaotic, draws=8)
    pops = snt.meanfield.Populations(fractions=[0.5, 0.5], J=[[0.5, 0.5], [0.5, 0.5]], Jbar=[[0, 0], [0, 0]])
    with pytest.raises(TypeError, match="Ensemble"):
        snt.meanfield.finite_size_lambda(pops, draws=8)
    with pytest.raises(ValueError, match="draws"):
        snt.meanfield.finite_size_lambda(snt.Ensemble(N=200, J=0.5), draws=2)


@pytest.mark.slow
def test_saturated_example_N1000():
    """The network that a tolerance of 0.2 around lambda_MF failed: lambda_MF = -1.050, ln rho(DF(u*)) of the
    N = 1000 network (seed 7) = -0.783. The law at N = 1000 is broad (N_eff = 21) and holds it."""
    ens = snt.Ensemble(N=1000, **SATURATED)
    net = ens.sample(7)
    st = snt.meanfield.stationary(ens, m0=-3.0)
    lam, u = _network_lambda(net, np.full(1000, float(st.m)))
    assert abs(lam - float(st.lambda_max)) > 0.2                              # what a fixed tolerance rejected
    fs = snt.meanfield.finite_size_lambda(ens, st, draws=64, seed=0)
    np.testing.assert_allclose(float(fs.effective_units), 20.7, atol=0.1)
    assert float(fs.lambda_max_std) > 0.1
    assert abs(lam - float(fs.lambda_max_mean)) <= 2.5 * float(fs.lambda_max_std)
    # the same fixed point as the Benettin estimate along the orbit
    ly = snt.max_lyapunov(net, 2500, transient=1500, seed=7)
    np.testing.assert_allclose(float(ly.lambda_max.mean()), lam, atol=1e-6)


def test_compare_reports_the_law_at_a_fixed_point():
    ens = snt.Ensemble(N=200, **SATURATED)
    cmp = snt.meanfield.compare(ens, steps=60, trials=2, seed=2, transient=300, lags=3, finite_n_draws=16)
    assert cmp.regime == "fixed point"
    lam = float(cmp.lambda_max.sel(estimator="simulation"))
    assert abs(lam - float(cmp.lambda_max_finite_n)) <= 5 * float(cmp.lambda_max_finite_n_std)
    none = snt.meanfield.compare(ens, steps=60, trials=2, seed=2, transient=300, lags=3, finite_n_draws=0)
    assert "lambda_max_finite_n" not in none
    with pytest.raises(ValueError, match="finite_n_draws"):
        snt.meanfield.compare(ens, steps=60, trials=2, seed=2, transient=300, lags=3, finite_n_draws=3)
