"""Hebbian learning on the rate network: the exact E1 mapping, a plain-numpy reference epoch, the closed forms
of the forgetting rule, the weight bound, and chaos reduction from a chaotic start."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import snt
from snt import plasticity

LEAN = dict(novel=0, orbit_steps=300, orbit_transient=300, samples=20, response_every=1000, response_steps=60,
            blocks=4, horizon=3)


def _net(N=12, J=0.6, g=1.0, seed=1, theta_std=0.0):
    return snt.Ensemble(N=N, J=J, g=g, theta_std=theta_std).sample(seed=seed)


def _pattern(N, seed=0, scale=0.3):
    return np.random.default_rng(seed).standard_normal(N) * scale


def test_snt_mapping_iterates_the_rate_model_exactly():
    net = _net(theta_std=0.2)
    W, xi, g = net.J, _pattern(net.N), 1.7
    mapped = plasticity.snt_network(W, net.theta, xi, g)
    u0 = np.random.default_rng(3).standard_normal(net.N)
    sim = snt.simulate(mapped, 30, u0=u0, record="u")
    u = u0.copy()
    for t in range(30):
        np.testing.assert_allclose(sim.u.values[0, t], u, rtol=0, atol=1e-13)
        u = W @ plasticity.rates(u, g) - net.theta + xi
    np.testing.assert_allclose(0.5 * (1 + np.tanh(g * u0)), plasticity.rates(u0, g))


def _reference_epoch(W, theta, xi, g, u0, steps, transient, rule, d=0.5):
    u = u0.copy()
    xs = []
    for t in range(transient + steps):
        u = W @ (0.5 * (1 + np.tanh(g * u))) - theta + xi
        if t >= transient:
            xs.append(0.5 * (1 + np.tanh(g * u)))
    x = np.array(xs)
    m = x.mean(axis=0)
    if rule == "covariance":
        return (x - m).T @ (x - m) / steps
    G = np.outer(m - d, m - d)
    return G * ((m - d) > 0)[None, :] if rule == "gated" else G


@pytest.mark.parametrize("rule", ["covariance", "mean_deviation", "gated"])
def test_one_hebbian_epoch_matches_numpy_reference(rule):
    """A contracting network (rounding differences do not grow): W(1) = lam W(0) + alpha/N Gamma to 1e-12."""
    net = _net(g=0.8)
    xi = _pattern(net.N)
    ds = plasticity.hebbian(net, xi, epochs=1, steps_per_epoch=50, transient=7, forgetting=0.8, rate=2.0, rule=rule,
                            seed=4, **LEAN)
    u0 = np.random.default_rng(snt._seeds.child(snt._seeds.as_seed_sequence(4), 0)).standard_normal(net.N)
    # simulate records u(t) for t = transient .. transient+steps-1, i.e. after t steps from u0
    G = _reference_epoch(net.J, net.theta, xi, net.g, u0, 50, 6, rule)
    np.testing.assert_allclose(ds.W.values[1], 0.8 * net.J + 2.0 / net.N * G, rtol=0, atol=1e-12)


def test_no_learning_keeps_or_forgets_exactly():
    net = _net()
    xi = _pattern(net.N)
    same = plasticity.hebbian(net, xi, epochs=3, steps_per_epoch=20, forgetting=1.0, rate=0.0, seed=1, **LEAN)
    np.testing.assert_array_equal(same.W.values, np.broadcast_to(net.J, same.W.shape))
    lam = 0.7
    fade = plasticity.hebbian(net, xi, epochs=4, steps_per_epoch=20, forgetting=lam, rate=0.0, seed=1, **LEAN)
    for T in range(5):
        np.testing.assert_allclose(fade.W.values[T], lam ** T * net.J, rtol=1e-15, atol=0)


def test_constant_gamma_gives_the_unrolled_closed_form():
    net = _net()
    N = net.N
    C = np.random.default_rng(5).uniform(-1, 1, (N, N))
    lam, alpha, E = 0.6, 3.0, 5
    ds = plasticity.hebbian(net, _pattern(N), epochs=E, steps_per_epoch=10, forgetting=lam, rate=alpha,
                            rule=lambda x: C, seed=2, **LEAN)
    for T in range(E + 1):
        closed = lam ** T * net.J + alpha / N * sum(lam ** (T - 1 - s) for s in range(T)) * C
        np.testing.assert_allclose(ds.W.values[T], closed, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ds.W.values[-1], lam ** E * net.J + alpha * (1 - lam ** E) / (N * (1 - lam)) * C,
                               rtol=0, atol=1e-12)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10 ** 6), lam=st.floats(0.0, 1.0), alpha=st.floats(0.0, 20.0),
       rule=st.sampled_from(["covariance", "mean_deviation", "gated"]))
def test_weight_bound_holds_every_epoch(seed, lam, alpha, rule):
    net = _net(N=10, J=3.0, g=2.0, seed=seed % 1000)
    ds = plasticity.hebbian(net, _pattern(10, seed), epochs=4, steps_per_epoch=20, transient=5, forgetting=lam,
                            rate=alpha, rule=rule, seed=seed, **LEAN)
    N = net.N
    for T in range(5):
        growth = alpha * T / N if lam == 1.0 else alpha * (1 - lam ** T) / (N * (1 - lam))
        bound = lam ** T * np.abs(net.J) + growth
        assert np.all(np.abs(ds.W.values[T]) <= bound * (1 + 1e-12) + 1e-15)


def test_chaotic_start_is_tamed_and_fixed_points_obey_ln_rho():
    """From lambda_max > 0.1 the exponent falls below 0 within the run; on a fixed point the Benettin
    exponent equals ln rho(DF(x*))."""
    net = snt.Ensemble(N=100, J=2.0, g=4.0).sample(seed=1)
    xi = _pattern(100, scale=0.2)
    ds = plasticity.hebbian(net, xi, epochs=12, steps_per_epoch=200, forgetting=0.85, rate=30.0, seed=1,
                            **dict(LEAN, orbit_steps=600, orbit_transient=600))
    assert float(ds.lambda_max[0]) > 0.1 and ds.regime.values[0] == "chaotic"
    assert 0 < ds.first_negative_epoch <= 12
    assert ds.regime.values[-1] == "fixed point"
    assert ds.attrs["route"].startswith("chaotic") and ds.attrs["route"].endswith("fixed point")
    status, revisits, _ = plasticity.route_status(ds.regime.values, ds.lambda_max.values)
    assert ds.attrs["route_status"] == status and status.startswith("reverse route")
    assert ds.attrs["route_revisits"] == "; ".join(revisits)
    assert ds.settled.dims == ("epoch",) and ds.evidence.dims == ("epoch",)
    checked = 0
    for T in np.flatnonzero(ds.regime.values == "fixed point")[-2:]:
        net_T = plasticity.snt_network(ds.W.values[T], net.theta, xi, net.g)
        fp = snt.fixed_points(net_T, starts=3, seed=0)
        lnrho = fp.log_spectral_radius.values[fp.stable.values]
        assert np.min(np.abs(lnrho - float(ds.lambda_max[T]))) < 2e-3      # lambda_max = ln rho(DF(x*))
        checked += 1
    assert checked == 2
    assert float(ds.rho_DF[-1]) < 1 < float(ds.rho_DF[0])      # the Jacobian on the attractor contracts
    assert ds.rate_orbit.dims == ("epoch", "sample")
    assert np.all((ds.rate_orbit.values > 0) & (ds.rate_orbit.values < 1))


def test_route_status_on_constructed_sequences():
    FP, P, Q, C, NS = "fixed point", "periodic", "quasi-periodic", "chaotic", "not settled"
    status = plasticity.route_status
    assert status([C, C, Q, P, P, FP], [0.2, 0.1, 0, -0.1, -0.2, -0.3]) == ("reverse route", [], [])
    assert status([C, P, FP, FP, Q, FP], [0.2, -0.1, -0.2, -0.1, 0, -0.5]) == (
        "reverse route with revisits", ["4: fixed point -> quasi-periodic"], [])
    assert status([C, Q, NS, P, FP], [0.2, 0, 0, -0.1, -0.2]) == ("reverse route", [], [2])   # skipped, listed
    assert status([C, NS, P, Q, FP], [0.2, 0, -0.1, 0, -0.2]) == (
        "reverse route with revisits", ["3: periodic -> quasi-periodic"], [1])
    assert status([C, FP, C], [0.2, -0.1, 0.2])[0] == "no stable state"
    assert status([C, Q], [0.2, 0.0])[0] == "no stable state"
    assert status([C, P], [0.2, 0.01])[0] == "no stable state"       # a cycle that is not attracting
    assert status([P, FP], [-0.1, -0.2])[0] == "not from chaos"
    assert status([C, FP, NS], [0.2, -0.1, 0.0]) == ("undecided", [], [2])
    assert set(plasticity.ROUTES) >= {status([C, FP], [0.1, -0.1])[0]}


def test_responses_to_learned_and_novel_patterns_are_reported():
    net = snt.Ensemble(N=30, J=2.0, g=4.0).sample(seed=3)
    ds = plasticity.hebbian(net, _pattern(30, scale=0.2), epochs=2, steps_per_epoch=100, rate=30.0, seed=3,
                            **dict(LEAN, novel=3, response_every=1, response_steps=80, horizon=4))
    for name in ("response_learned", "response_novel", "lambda_novel"):
        assert np.all(np.isfinite(ds[name].values)) and np.all(np.isfinite(ds[name + "_stderr"].values))
    assert ds.response_novel_each.shape == (3, 3)
    np.testing.assert_allclose(ds.response_novel, ds.response_novel_each.mean("novel"))
    assert np.all(ds.response_learned.values > 0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(pattern=np.zeros(12)), "pattern"), (dict(pattern=np.ones(5)), "pattern"), (dict(rule="oja"), "rule"),
    (dict(transfer="tanh"), "transfer"), (dict(forgetting=1.5), "forgetting"), (dict(rate=-1.0), "rate"),
    (dict(epochs=0), "epochs")])
def test_bad_arguments_are_named(kwargs, match):
    args = dict(pattern=_pattern(12))
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        plasticity.hebbian(_net(), **args)


@pytest.mark.slow
def test_five_seeds_reach_a_stable_state_and_learned_pattern_is_distinguished():
    """Acceptance: >= 4 of 5 chaotic starts get lambda_max < 0 and end on a fixed point, through the reverse route
    (analysis/plasticity_hebbian.py: 5 of 5, of which 2 revisit a more complex regime once on the way down)."""
    reached = 0
    for s in range(1, 6):
        net = snt.Ensemble(N=100, J=2.0, g=4.0).sample(seed=s)
        ds = plasticity.hebbian(net, _pattern(100, scale=0.2), epochs=25, forgetting=0.9, rate=30.0, seed=s,
                                novel=0, response_every=1000)
        assert float(ds.lambda_max[0]) > 0.1
        reached += (ds.first_negative_epoch > 0 and ds.regime.values[-1] == "fixed point"
                    and ds.attrs["route_status"].startswith("reverse route"))
    assert reached >= 4
