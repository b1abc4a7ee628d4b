"""The rate transfers "normcdf" (the lecture's Φ(g x)) and "logistic" ((1 + tanh(g x))/2) through the stack
(SCIENCE.md §1.2, E2, E3, E7-E11): kernels against numpy and finite differences, the mean-field integrals
against closed forms, the mean-field state and edge of chaos against closed forms and against the odd transfer
they are an affine image of, and simulations against the same identity."""

import argparse
import math

import numpy as np
import pytest
import scipy.integrate
import scipy.optimize
from scipy.special import owens_t
from scipy.stats import norm

import snt
from snt import _kernels as kernels
from snt.cli import add_ensemble_options, ensemble_from
from snt.meanfield._gauss import auto_step, grid, moments, pair_row
from snt.network import TRANSFERS

from . import reference

Z, W = grid()
RATES = ("normcdf", "logistic")


def _bvn(h, k, rho):
    """Φ₂(h, k; ρ) = P(X <= h, Y <= k) for standard normals with correlation ρ, by Owen's T (exact)."""
    if h == 0.0 and k == 0.0:
        return 0.25 + math.asin(rho) / (2 * math.pi)
    s = math.sqrt(1 - rho * rho)

    def t(x, y):   # T(x, (y - rho x)/(x s)); T(0, +-inf) = +-1/4
        return owens_t(x, (y - rho * x) / (x * s)) if x != 0.0 else 0.25 * math.copysign(1.0, y)
    beta = 0.0 if h * k > 0 or (h * k == 0 and h + k >= 0) else 0.5
    return 0.5 * norm.cdf(h) + 0.5 * norm.cdf(k) - t(h, k) - t(k, h) - beta


def _normcdf_moments(m, v, g):
    """Closed forms of <f>, <f^2>, <f'>, <f'^2> for f = Φ(g u), u ~ N(m, v) (SCIENCE.md §1.2)."""
    s = 1 + g * g * v
    h = g * m / math.sqrt(s)
    rho = g * g * v / s
    return np.array([norm.cdf(h), _bvn(h, h, rho), g * norm.pdf(h) / math.sqrt(s),
                     g * g / (2 * math.pi) * math.exp(-g * g * m * m / (1 + 2 * g * g * v))
                     / math.sqrt(1 + 2 * g * g * v)])


# ------------------------------------------------------------------------------------------------- kernels
@pytest.mark.parametrize("transfer", TRANSFERS)
def test_slope_matches_finite_differences(transfer):
    code = kernels.TRANSFER_CODES[transfer]
    x = np.linspace(-6, 6, 241)
    h = 1e-5
    for g in (0.5, 2.5):
        fd = (kernels.apply_transfer(x + h, g, code) - kernels.apply_transfer(x - h, g, code)) / (2 * h)
        # central differences: truncation h^2 |f'''| / 6 <= 1e-10 g^3, cancellation 1e-16 / h = 1e-11
        np.testing.assert_allclose(kernels.apply_slope(x, g, code), fd, rtol=0, atol=2e-9 * g ** 3)
        # the table of SCIENCE.md §1.2: max f' = c g at x = 0
        assert kernels.apply_slope(np.array([0.0]), g, code)[0] == pytest.approx(kernels.MAX_SLOPE[transfer] * g,
                                                                                  rel=1e-14)
        assert np.max(kernels.apply_slope(x, g, code)) <= kernels.MAX_SLOPE[transfer] * g * (1 + 1e-14)


def test_rates_are_affine_images_of_the_odd_transfers():
    x = np.linspace(-8, 8, 801)
    g = 1.7
    lg = kernels.apply_transfer(x, g, kernels.LOGISTIC)
    np.testing.assert_allclose(lg, (1 + np.tanh(g * x)) / 2, rtol=0, atol=3e-16)
    nc = kernels.apply_transfer(x, g, kernels.NORMCDF)
    # relative: the tail Phi(-y) ~ e^(-y^2/2) turns an argument rounding eps into 2 y^2 eps ~ 4e-14 at y = 13.6
    np.testing.assert_allclose(nc, norm.cdf(g * x), rtol=1e-13, atol=1e-300)
    ge = g * math.sqrt(2 / math.pi)
    np.testing.assert_allclose(nc, (1 + kernels.apply_transfer(x, ge, kernels.ERF)) / 2, rtol=0, atol=4e-16)


@pytest.mark.parametrize("rate,odd,scale", [("logistic", "tanh", 1.0), ("normcdf", "erf", math.sqrt(2 / math.pi))])
def test_rate_network_is_the_odd_network_with_half_couplings(rate, odd, scale):
    # SCIENCE.md §1.2: J r = J (1 + f)/2 = (J/2) f + (J/2) 1, so (J, theta) with the rate is (J/2, theta - J 1/2)
    # with the odd transfer of gain g * scale. Contracting gain: rounding differences shrink.
    net = snt.Ensemble(N=60, J=1.0, Jbar=0.5, g=1.2, gamma=0.3, theta_mean=0.2, theta_std=0.3,
                       transfer=rate).sample(seed=4)
    twin = snt.Network(net.J / 2, theta=net.theta - net.J.sum(axis=1) / 2, g=net.g * scale, gamma=net.gamma,
                       transfer=odd)
    u0 = np.random.default_rng(1).standard_normal((2, net.N))
    a = snt.simulate(net, 200, trials=2, u0=u0, seed=3)
    b = snt.simulate(twin, 200, trials=2, u0=u0, seed=3)
    np.testing.assert_allclose(a.u.values, b.u.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.M.values, (1 + b.M.values) / 2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("transfer", RATES)
def test_jacobian_of_the_rates(transfer):
    net = snt.Ensemble(N=7, J=1.0, g=1.9, gamma=0.2, theta_std=0.4, transfer=transfer).sample(seed=0)
    u = np.random.default_rng(2).standard_normal(net.N)
    D = snt.jacobian(net, u)
    np.testing.assert_allclose(D, net.gamma * np.eye(net.N) + net.J * reference.fprime(u, net.g, transfer)[None, :],
                               rtol=1e-13, atol=1e-15)


def test_contraction_gain_uses_the_largest_slope():
    J = snt.ensembles.iid(30, 1.0, seed=2)
    norm2 = np.linalg.norm(J, 2)
    for transfer in TRANSFERS:
        net = snt.Network(J, gamma=0.4, transfer=transfer)
        assert snt.contraction_gain(net) == pytest.approx(0.6 / (kernels.MAX_SLOPE[transfer] * norm2), rel=1e-12)
    # the bound is tight for normcdf: 1.05 g_as makes a J (a scaled identity) expand at the origin's slope
    net = snt.Network(np.eye(3) * 2.0, gamma=0.0, transfer="normcdf", theta=1.0)   # u* = 0: 2 Phi(0) - 1 = 0
    g_as = snt.contraction_gain(net)
    for frac, stable in ((0.95, True), (1.05, False)):
        D = snt.jacobian(net.replace(g=frac * g_as), np.zeros(3))
        assert (np.max(np.abs(np.linalg.eigvals(D))) < 1) == stable


def test_first_bifurcation_origin_needs_an_odd_transfer():
    net = snt.Ensemble(N=20, J=1.0, transfer="normcdf").sample(seed=1)
    with pytest.raises(ValueError, match="odd transfer.*normcdf"):
        snt.first_bifurcation(net, method="origin")


def test_cli_accepts_every_transfer():
    parser = argparse.ArgumentParser()
    add_ensemble_options(parser)
    for transfer in TRANSFERS:
        assert ensemble_from(parser.parse_args(["--transfer", transfer])).transfer == transfer
    with pytest.raises(SystemExit):
        parser.parse_args(["--transfer", "sigmoid"])


# ---------------------------------------------------------------------------------------- mean-field integrals
@pytest.mark.parametrize("g,m,v", [(1.7, 0.3, 0.8), (4.0, -0.5, 2.0), (0.5, 1.0, 0.1), (2.0, 0.0, 0.6)])
def test_normcdf_moments_match_closed_forms(g, m, v):
    got = moments(np.array([m]), np.array([v]), g, kernels.NORMCDF, Z, W)[:, 0]
    np.testing.assert_allclose(got, _normcdf_moments(m, v, g), rtol=0, atol=1e-13)


@pytest.mark.parametrize("mt,vt,ms,vs,c,g", [(0.0, 0.5, 0.0, 0.5, 0.3, 2.0), (0.3, 2.0, -0.2, 1.5, -1.1, 3.0),
                                             (0.4, 1.0, 0.4, 1.0, 0.999, 1.5), (-0.6, 0.7, 0.2, 0.0, 0.0, 2.0)])
def test_normcdf_pair_integrals_match_closed_forms(mt, vt, ms, vs, c, g):
    got = pair_row(mt, vt, np.array([ms]), np.array([vs]), np.array([c]), g, kernels.NORMCDF, Z, W, True)[:, 0]
    st, ss = 1 + g * g * vt, 1 + g * g * vs
    C = _bvn(g * mt / math.sqrt(st), g * ms / math.sqrt(ss), g * g * c / math.sqrt(st * ss))
    # E f'(u_t) f'(u_s) = g^2/(2 pi) E exp(-g^2 |u|^2 / 2)
    #                   = g^2/(2 pi) det(I + g^2 S)^(-1/2) exp(-mu' (S + I/g^2)^-1 mu / 2)
    S = np.array([[vt, c], [c, vs]])
    mu = np.array([mt, ms])
    Q = g * g / (2 * math.pi) / math.sqrt(np.linalg.det(np.eye(2) + g * g * S)) * \
        math.exp(-0.5 * mu @ np.linalg.solve(S + np.eye(2) / (g * g), mu))
    assert abs(got[0] - C) < 1e-12
    assert abs(got[1] - Q) < 1e-12


@pytest.mark.parametrize("mt,vt,ms,vs,c,g", [(0.0, 0.5, 0.0, 0.5, 0.3, 2.0), (0.3, 2.0, -0.2, 1.5, -1.1, 3.0),
                                             (0.5, 4.0, 0.5, 4.0, 1.0, 8.0)])
def test_logistic_pair_integrals_match_brute_force(mt, vt, ms, vs, c, g):
    step = auto_step(g, max(vt, vs), kernels.LOGISTIC)
    zz = np.arange(-10, 10 + 1e-9, min(0.02, step / 2))
    ww = (zz[1] - zz[0]) * np.exp(-zz * zz / 2) / math.sqrt(2 * math.pi)
    Z1, Z2 = np.meshgrid(zz, zz, indexing="ij")
    ut = mt + math.sqrt(vt) * Z1
    a = c / math.sqrt(vt)
    us = ms + a * Z1 + math.sqrt(max(vs - a * a, 0.0)) * Z2
    w2 = ww[:, None] * ww[None, :]
    C = np.sum(w2 * reference.f(ut, g, "logistic") * reference.f(us, g, "logistic"))
    Q = np.sum(w2 * reference.fprime(ut, g, "logistic") * reference.fprime(us, g, "logistic"))
    for slope in (False, True):
        got = pair_row(mt, vt, np.array([ms]), np.array([vs]), np.array([c]), g, kernels.LOGISTIC,
                       *grid(step), slope)[:, 0]
        assert abs(got[0] - C) < 1e-10
        if slope:
            assert abs(got[1] - Q) < 1e-9 * max(1.0, g * g)


@pytest.mark.parametrize("g,m,v", [(2.0, 0.0, 0.5), (5.0, 0.4, 3.0)])
def test_logistic_moments_match_adaptive_quadrature(g, m, v):
    got = moments(np.array([m]), np.array([v]), g, kernels.LOGISTIC, *grid(auto_step(g, v, kernels.LOGISTIC)))[:, 0]
    funs = [lambda u: reference.f(u, g, "logistic"), lambda u: reference.f(u, g, "logistic") ** 2,
            lambda u: reference.fprime(u, g, "logistic"), lambda u: reference.fprime(u, g, "logistic") ** 2]
    for k, fun in enumerate(funs):
        dens = lambda h: fun(m + math.sqrt(v) * h) * math.exp(-h * h / 2) / math.sqrt(2 * math.pi)  # noqa: E731
        want = scipy.integrate.quad(dens, -12, 12, points=[-m / math.sqrt(v)], limit=400, epsabs=1e-14)[0]
        assert abs(got[k] - want) < 3e-11 * max(1.0, g) ** (k // 2 * 2)


# ------------------------------------------------------------------------------- mean-field state and g_c
def _normcdf_static(J, Jbar, theta, gamma, g):
    """The fixed-point solution (m, v) of SCIENCE.md §4 for normcdf in closed form, solved by scipy."""
    a = 1 - gamma

    def G(x):
        mo = _normcdf_moments(x[0], max(x[1], 0.0), g)
        return [a * x[0] - Jbar * mo[0] + theta, a * a * x[1] - J * J * mo[1]]
    # start from f = 1/2 (the small-g limit)
    sol = scipy.optimize.root(G, [(Jbar / 2 - theta) / a, J * J / (4 * a * a)], method="hybr")
    m, v = sol.x
    assert np.max(np.abs(G(sol.x))) < 1e-11   # O(1) equations: m*, v* to ~1e-11
    return m, v, _normcdf_moments(m, v, g)


@pytest.mark.parametrize("J,Jbar,theta,gamma", [(1.0, 0.0, 0.0, 0.0), (1.5, 0.5, 0.3, 0.3), (2.0, -0.8, -0.2, 0.5)])
def test_normcdf_edge_of_chaos_matches_the_closed_form(J, Jbar, theta, gamma):
    # E10 with the closed forms: J^2 <f'^2>(m*, v*) = (1 - gamma)^2
    def e10(g):
        _, _, mo = _normcdf_static(J, Jbar, theta, gamma, g)
        return J * math.sqrt(mo[3]) - (1 - gamma)
    want = scipy.optimize.brentq(e10, 0.5, 20.0, xtol=1e-13)
    ens = snt.Ensemble(J=J, Jbar=Jbar, theta_mean=theta, gamma=gamma, transfer="normcdf")
    got = snt.meanfield.critical_gain(ens)
    assert got == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("g", [1.5, 6.0])
def test_normcdf_stationary_gamma0_matches_the_closed_form(g):
    # gamma = 0: lambda_MF = ln(J^2 <f'^2>)/2 (E11); g = 6 is past g_c ~ 4.7 (chaotic)
    J, Jbar, theta = 1.2, 0.4, 0.1
    m, v, mo = _normcdf_static(J, Jbar, theta, 0.0, g)
    st = snt.meanfield.stationary(snt.Ensemble(J=J, Jbar=Jbar, theta_mean=theta, g=g, transfer="normcdf"))
    assert float(st.m) == pytest.approx(m, abs=1e-10)
    assert float(st.v) == pytest.approx(v, abs=1e-10)
    assert float(st.lambda_bulk) == pytest.approx(0.5 * math.log(J * J * mo[3]), abs=1e-9)
    assert float(st.lambda_mean_uncoupled) == pytest.approx(math.log(abs(Jbar * mo[2])), abs=1e-9)


@pytest.mark.parametrize("rate,odd,scale,g,gamma", [("logistic", "tanh", 1.0, 3.0, 0.3),
                                                    ("logistic", "tanh", 1.0, 6.0, 0.0),
                                                    ("normcdf", "erf", math.sqrt(2 / math.pi), 5.0, 0.2)])
def test_rate_mean_field_is_the_odd_mean_field(rate, odd, scale, g, gamma):
    # SCIENCE.md §1.2: at the symmetric state, (J, Jbar, theta = Jbar/2, s) with the rate is
    # (J/2, Jbar/2, 0, sqrt(s^2 + J^2/4)) with the odd transfer of gain g * scale.
    J, Jbar, s = 1.4, 0.6, 0.2
    a = snt.meanfield.stationary(snt.Ensemble(J=J, Jbar=Jbar, theta_mean=Jbar / 2, theta_std=s, g=g, gamma=gamma,
                                              transfer=rate), lags=6)
    b = snt.meanfield.stationary(snt.Ensemble(J=J / 2, Jbar=Jbar / 2, theta_std=math.hypot(s, J / 2), g=g * scale,
                                              gamma=gamma, transfer=odd), lags=6)
    assert str(a.regime.values) == str(b.regime.values)
    for name in ("m", "v", "lambda_bulk", "lambda_max"):
        assert float(a[name]) == pytest.approx(float(b[name]), abs=1e-8), name
    ga = snt.meanfield.critical_gain(snt.Ensemble(J=J, Jbar=Jbar, theta_mean=Jbar / 2, gamma=gamma, transfer=rate))
    gb = snt.meanfield.critical_gain(snt.Ensemble(J=J / 2, Jbar=Jbar / 2, theta_std=J / 2, gamma=gamma,
                                                  transfer=odd))
    assert ga == pytest.approx(gb / scale, rel=1e-9)


@pytest.mark.parametrize("transfer", RATES)
def test_rate_mean_field_matches_a_network(transfer):
    # a stable fixed point (0.7 g_c): the empirical mean and variance of u* over N = 1000 units against m*, v*
    # (finite-N: the sample mean has sd sqrt(v/N) ~ 0.02, the variance sd ~ v sqrt(2/N) ~ 0.03 v)
    ens = snt.Ensemble(N=1000, J=1.5, Jbar=0.5, theta_mean=0.2, gamma=0.3, transfer=transfer)
    ens = ens.replace(g=0.7 * snt.meanfield.critical_gain(ens))
    st = snt.meanfield.stationary(ens)
    assert str(st.regime.values) == "fixed point"
    u = snt.simulate(ens.sample(seed=5), 300, trials=1, seed=1, record="u").u.values[0, -1]
    assert abs(u.mean() - float(st.m)) < 4 * math.sqrt(float(st.v) / ens.N) + 0.01
    assert abs(u.var() - float(st.v)) < 0.15 * float(st.v)


def test_response_prediction_with_normcdf():
    # a = gamma + Jbar <f'> with <f'> in closed form at the fixed-point state
    ens = snt.Ensemble(N=200, J=1.0, Jbar=0.8, theta_mean=0.1, g=2.0, gamma=0.2, transfer="normcdf")
    net = ens.sample(seed=3)
    pred = snt.meanfield.response_prediction(net, [1, 2, 3])
    m, v, mo = _normcdf_static(1.0, 0.8, 0.1, 0.2, 2.0)
    assert pred["mean_slope"] == pytest.approx(mo[2], abs=1e-10)
    assert pred["a"] == pytest.approx(0.2 + 0.8 * mo[2], abs=1e-10)
