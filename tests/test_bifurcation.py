"""The first bifurcation (E5), the route to chaos over g, regimes and spectral peak counting."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

import snt
from snt.bifurcation import (count_frequencies, first_bifurcation, fixed_point_continuation, gain_sweep, orbit_point,
                             spectra)


def _rho(J, gamma, g):
    return np.max(np.abs(np.linalg.eigvals(gamma * np.eye(len(J)) + g * J)))


@settings(max_examples=30)
@given(N=st.integers(2, 12), gamma=st.floats(0.0, 0.9), seed=st.integers(0, 2**31),
       eta=st.sampled_from([-0.6, 0.0, 0.6]))
def test_origin_formula_matches_brute_force(N, gamma, seed, eta):
    # rho(gamma I + g J) = max_k |gamma + g mu_k| is convex in g and < 1 at g = 0: one root, found by brentq on
    # numerically computed spectral radii, independently of the closed form of E5.
    J = snt.ensembles.correlated(N, 1.0, eta, seed=seed)
    net = snt.Network(J, gamma=gamma)
    fb = first_bifurcation(net)
    hi = 2.0
    while _rho(J, gamma, hi) < 1:
        hi *= 2
    g_c = scipy.optimize.brentq(lambda g: _rho(J, gamma, g) - 1.0, 0.0, hi, xtol=1e-14)
    assert abs(float(fb.g_critical) - g_c) <= 1e-9 * max(1.0, g_c)
    crit = np.linalg.eigvals(gamma * np.eye(N) + g_c * J)
    crit = crit[np.argmax(np.abs(crit))]
    want = "pitchfork" if abs(crit.imag) < 1e-9 and crit.real > 0 else (
        "flip" if abs(crit.imag) < 1e-9 else "Neimark-Sacker")
    assert str(fb.kind.values) == want
    assert abs(float(fb.mu_modulus) - 1.0) < 1e-9


@pytest.mark.parametrize("seed", [3, 4, 8])
def test_continuation_agrees_with_the_origin_formula(seed):
    net = snt.Ensemble(N=30, J=1.0, gamma=0.3).sample(seed=seed)
    a = first_bifurcation(net, method="origin")
    b = first_bifurcation(net, method="continuation")
    assert abs(float(a.g_critical) - float(b.g_critical)) < 1e-8
    assert str(a.kind.values) == str(b.kind.values)


def test_continuation_with_thresholds_follows_a_moving_fixed_point():
    # theta != 0: the fixed point moves with g; at g_c the leading eigenvalue of DF(u*) has modulus 1.
    net = snt.Ensemble(N=30, J=1.0, gamma=0.2, theta_std=0.3).sample(seed=5)
    fb = first_bifurcation(net)
    assert "continuation" in fb.attrs["method"]
    g_c = float(fb.g_critical)
    assert np.isfinite(g_c) and abs(float(fb.mu_modulus) - 1.0) < 1e-8
    path = fixed_point_continuation(net, np.concatenate([np.linspace(0, 0.99 * g_c, 50), [1.01 * g_c]]))
    # snt.fixed_points (an independent Newton solve and eigen-decomposition) confirms both ends
    below = snt.fixed_points(net.replace(g=0.99 * g_c), starts=path.u_star.values[-2:-1])
    above = snt.fixed_points(net.replace(g=1.01 * g_c), starts=path.u_star.values[-1:])
    assert bool(below.stable[0]) and not bool(above.stable[0])
    assert 0.99 < float(below.spectral_radius[0]) < 1 < float(above.spectral_radius[0]) < 1.01


# Two 2-neuron networks (found by a random search): on the first the fixed point moves by ~0.8 per grid step
# of 0.025 near g = 0.25, on the second the branch followed from g = 0 ends at a fold near g = 0.4477.
_FAST = (np.array([[0.013029971739497687, -2.247732455131273], [-2.185788738590486, 2.913923630610511]]),
         np.array([-0.05318422030534141, -0.05390202547204295]))
_FOLD = (np.array([[2.5814579260504367, -2.0295967022972126], [0.7054168070551281, -1.0151349057724472]]),
         np.array([1.3650570351779499, 2.5276984956674955]))


def test_continuation_follows_a_fast_moving_branch_on_a_coarse_grid():
    net = snt.Network(J=_FAST[0], theta=_FAST[1])
    coarse = np.linspace(0.0, 5.0, 200)
    path = fixed_point_continuation(net, coarse, modes=2)
    assert bool(path.found.all()) and np.isnan(float(path.branch_end)) and str(path.branch_end_kind.values) == "none"
    assert np.all(path.status.values == 0)
    # the same branch as a continuation with 20 times finer steps
    fine = fixed_point_continuation(net, np.linspace(0.0, 5.0, 3981), modes=2)
    assert np.max(np.abs(path.u_star.values - fine.u_star.values[::20])) < 1e-9
    assert str(first_bifurcation(net, modes=2, g_max=5.0).kind.values) == "none found"


def test_first_bifurcation_at_a_fold():
    """The fold solves G(u, g) = (γ−1)u + J tanh(gu) − θ = 0 together with det(DF − I) = 0,
    DF = γI + J diag(g sech²(gu)): solved here directly as three equations in (u₁, u₂, g)."""
    J, theta = _FOLD
    net = snt.Network(J=J, theta=theta)
    fb = first_bifurcation(net, g_max=2.0)  # modes (6) is capped at N = 2
    assert str(fb.kind.values) == "saddle-node"
    g_c = float(fb.g_critical)

    def fold(z):
        u, g = z[:2], z[2]
        DF = J * (g / np.cosh(g * u) ** 2)[None, :]
        return np.concatenate([-u + J @ np.tanh(g * u) - theta, [np.linalg.det(DF - np.eye(2))]])
    path = fixed_point_continuation(net, np.linspace(0.0, 0.99 * g_c, 100), modes=2)
    ref = scipy.optimize.fsolve(fold, np.concatenate([path.u_star.values[-1], [g_c]]), xtol=1e-14)
    assert np.max(np.abs(fold(ref))) < 1e-10
    assert abs(g_c - ref[2]) < 1e-6
    assert abs(float(fb.mu_modulus) - 1.0) < 1e-3 and float(fb.mu_angle) == 0.0
    # a continuation on another grid loses the branch at the same gain
    other = fixed_point_continuation(net, np.linspace(0.0, 1.0, 37), modes=2)
    assert abs(float(other.branch_end) - ref[2]) < 1e-6


@pytest.mark.parametrize("seed", [1, 2])
def test_simulated_network_leaves_the_origin_just_above_g_c(seed):
    net = snt.Ensemble(N=40, J=1.0, gamma=0.2).sample(seed=seed)
    g_c = float(first_bifurcation(net).g_critical)
    u0 = 1e-4 * np.random.default_rng(seed).standard_normal(40)
    size = {}
    for factor in (0.97, 1.03):
        ds = snt.simulate(net.replace(g=factor * g_c), 1500, u0=u0, record="u", seed=0)
        size[factor] = np.linalg.norm(ds.u.values[0, -1])
    assert size[0.97] < 1e-3 * np.linalg.norm(u0)  # contracts at rate ~|gamma + 0.97 g_c mu| < 1
    assert size[1.03] > 10 * np.linalg.norm(u0)  # grows away from the origin


def test_route_fixed_point_quasi_periodic_chaos():
    # N = 40, seed 4: the critical eigenvalue is a complex pair (Neimark-Sacker), then an invariant circle
    # (lambda = 0, several spectral peaks) and chaos (lambda > 0) as g grows.
    net = snt.Ensemble(N=40, J=1.0).sample(seed=4)
    fb = first_bifurcation(net)
    assert str(fb.kind.values) == "Neimark-Sacker"
    g_c = float(fb.g_critical)
    gains = g_c * np.array([0.9, 0.97, 1.03, 1.1, 1.2, 1.5, 2.0, 2.5])
    bif = gain_sweep(net, gains, steps=3000, transient=3000, seed=1)
    regimes = [str(r) for r in bif.regime.values]
    assert regimes == ["fixed point"] * 2 + ["quasi-periodic"] * 4 + ["chaotic"] * 2
    qp = bif.regime == "quasi-periodic"
    assert np.all(np.abs(bif.lambda_max.where(qp, drop=True)) < 1e-3)
    assert np.all(bif.n_peaks.where(qp, drop=True) >= 2)
    assert np.all(bif.lambda_max.values[-2:] > 0.05)
    assert np.all(bif.lambda_max.values[:2] < -0.01)
    assert bif.M_orbit.dims == ("g", "sample")


def test_orbit_point_fixed_point_value_is_ln_rho():
    # At a stable fixed point lambda_max = ln rho(DF(u*)) (E2): check the estimate against it.
    net = snt.Ensemble(N=40, J=1.0, theta_mean=0.2, theta_std=0.3).sample(seed=2).replace(g=0.6)
    ds = orbit_point(net, 3, steps=800, transient=400)
    fp = snt.fixed_points(net, starts=3, seed=0)
    assert str(ds.regime.values) == "fixed point" and int(ds.period) == 1
    assert abs(float(ds.lambda_max) - float(fp.log_spectral_radius[0])) < 1e-3


def test_count_frequencies_on_known_signals():
    t = np.arange(8192)
    f1, f2 = 0.0731, 0.0731 * (np.sqrt(5) - 1)  # incommensurate
    one = np.sin(2 * np.pi * f1 * t) + 0.3 * np.sin(2 * np.pi * 2 * f1 * t) + 0.1 * np.sin(2 * np.pi * 3 * f1 * t)
    two = one + 0.5 * np.sin(2 * np.pi * f2 * t) + 0.2 * np.sin(2 * np.pi * (f1 + f2) * t)
    n_peaks, n_freq, freqs, _ = count_frequencies(one)
    assert n_peaks == 3 and n_freq == 1 and abs(freqs[0] - 2 * np.pi * f1) < 2 * np.pi * 2e-3
    n_peaks, n_freq, freqs, _ = count_frequencies(two)
    assert n_peaks == 5 and n_freq == 2
    assert count_frequencies(np.full(1000, 0.3))[:2] == (0, 0)


@pytest.mark.parametrize("call,exc,words", [
    (lambda: gain_sweep(snt.Network(np.eye(2)), []), ValueError, "gains"),
    (lambda: gain_sweep(snt.Network(np.eye(2)), [-1.0]), ValueError, "gains"),
    (lambda: first_bifurcation(snt.Network(np.eye(2)), method="newton"), ValueError, "method"),
    (lambda: first_bifurcation(snt.Network(np.eye(2), theta=0.1), method="origin"), ValueError, "theta = 0"),
    (lambda: orbit_point(snt.Network(np.eye(2)), 0, steps=100, samples=200), ValueError, "samples"),
    (lambda: spectra(snt.Network(np.eye(2)), []), ValueError, "gains"),
    (lambda: spectra(snt.Network(np.eye(2)), [1.0], steps=8), ValueError, "steps must be >= 16"),
])
def test_bad_input(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_continuation_and_spectra_figures():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    net = snt.Ensemble(N=30, J=1.0, gamma=0.3).sample(seed=3)
    fb = first_bifurcation(net, points=20, modes=3)
    ax = snt.plot.continuation(fb)
    assert len(ax.lines) == 3 + 2                       # three modes, the unit line, g_c
    np.testing.assert_allclose(ax.lines[0].get_ydata(), fb.modulus.isel(mode=0))
    sp = spectra(net, [1.0, 2.0], steps=256, transient=50, seed=1, nperseg=64)
    ax = snt.plot.power_spectra(sp)
    assert len(ax.lines) == 2 and ax.get_xlabel() == "angular frequency [rad/step]"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), sp.power.sel(g=2.0))
    plt.close("all")


def test_stable_fixed_points_just_below_the_first_bifurcation_are_fixed_points():
    """Just below g_c (E5) the fixed point is stable but converges slowly (λ = ln|γ + gμ| ≈ −0.005 and
    −0.001): the label must be "fixed point" (converging at the rate λ), not "periodic"/"quasi-periodic"."""
    net = snt.Ensemble(N=40, J=1.0).sample(seed=4)
    g_c = float(first_bifurcation(net).g_critical)
    bif = gain_sweep(net, g_c * np.array([0.995, 0.999]), seed=1)
    assert [str(r) for r in bif.regime.values] == ["fixed point", "fixed point"]
    assert np.all(bif.lambda_max.values < 0) and "settled" in bif and "evidence" in bif
    # the rate at which u(t) converges is the exponent: ln rho(DF(0)) = ln|gamma + g mu|
    mu = np.linalg.eigvals(net.J)
    for g, lam in zip(bif.g.values, bif.lambda_max.values):
        assert abs(lam - np.log(np.max(np.abs(g * mu)))) < 3e-4


def test_two_cycle_with_constant_mean_is_periodic():
    # u1' = 2 tanh(u2), u2' = 2 tanh(u1) from (a, -a): the state alternates, m(t) = 0 for ever
    net = snt.Network(np.array([[0.0, 2.0], [2.0, 0.0]]), g=1.0)
    ds = orbit_point(net, 1, steps=400, transient=200, u0=np.array([0.5, -0.5]))
    assert np.ptp(ds.M_orbit.values) < 1e-12
    assert str(ds.regime.values) == "periodic" and int(ds.period) == 2 and bool(ds.settled)


def test_undecided_orbit_is_not_settled():
    # 64 steps from a random start on the invariant circle at 1.3 g_c: λ is not resolved (-0.018 +- 0.027)
    # and the amplitude still changes; a long record settles on the circle
    net = snt.Ensemble(N=40, J=1.0).sample(seed=4)
    g_c = float(first_bifurcation(net).g_critical)
    short = orbit_point(net.replace(g=1.3 * g_c), 2, steps=64, transient=0, samples=16)
    assert str(short.regime.values) == "not settled" and not bool(short.settled)
    assert "amplitude" in str(short.evidence.values)
    long = orbit_point(net.replace(g=1.3 * g_c), 2, steps=3000, transient=2000)
    assert str(long.regime.values) == "quasi-periodic" and bool(long.settled)


@pytest.mark.parametrize("g_max,points", [(10.0, 50), (10.0, 7), (1.0, 37), (2.0, 200)])
def test_fold_is_a_fold_on_any_grid(g_max, points):
    """Pseudo-arclength continuation cannot jump branches: on a coarse grid the fold is still found (it was
    called a 'pitchfork' at g_max=10, points=50, after Newton jumped to another branch)."""
    net = snt.Network(J=_FOLD[0], theta=_FOLD[1])
    fb = first_bifurcation(net, g_max=g_max, points=points)
    assert str(fb.kind.values) == "saddle-node"
    assert abs(float(fb.g_critical) - 0.44768702279) < 1e-6
    path = fixed_point_continuation(net, np.linspace(0.0, g_max, points), modes=2)
    assert abs(float(path.branch_end) - 0.44768702279) < 1e-6 and str(path.branch_end_kind.values) == "fold"
    assert list(path.status.values) == [0 if f else 3 for f in path.found.values]
    assert not path.found.values[path.g.values > 0.45].any()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), gamma=st.floats(0.0, 0.6), theta=st.floats(0.05, 1.0))
def test_a_pitchfork_needs_the_symmetry(seed, gamma, theta):
    # without u -> -u symmetry (theta != 0) a +1 crossing is a fold or a transcritical point, never a pitchfork
    net = snt.Ensemble(N=6, J=1.5, gamma=gamma, theta_mean=theta, theta_std=0.3).sample(seed=seed)
    fb = first_bifurcation(net, points=40, modes=2)
    assert str(fb.kind.values) != "pitchfork"
