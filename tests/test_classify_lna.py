"""Noise models and the linear noise approximation of the planted attractors."""

import numpy as np
import pytest

from snt import classify
from snt.classify import Params
from snt.classify.estimator import make_model
from snt.classify.lna import lna_model
from snt.classify.lna_compare import compare_lna_model

# (model, sigma small enough for the linearisation to hold, Euler step)
CASES = [("sa-node", 0.01, 0.1), ("wilson-cowan", 0.003, 0.1), ("cvfr", 5e-4, 0.03), ("snt-map", 0.01, 1.0)]


def _model(name, sigma, n=14, k=3, noise="additive", seed=0):
    m = make_model(name, n, k, sigma=sigma, noise=noise)
    return m, m.init_params(np.random.default_rng(seed), init="complement")


def _kron_reference(M, Q):
    """Plain-numpy stationary covariance of x <- M x + noise(Q): vec C = (I - M (x) M)^-1 vec Q."""
    S = len(M)
    return np.linalg.solve(np.eye(S * S) - np.kron(M, M), Q.ravel()).reshape(S, S)


@pytest.mark.parametrize("name,sigma,dt", CASES)
def test_lna_matches_euler_maruyama(name, sigma, dt):
    m, p = _model(name, sigma)
    ds = compare_lna_model(m, p, dt, steps=6000, chains=32, groups=8, seed=1)
    assert list(ds.status.values) == ["ok"] * 3
    se = ds.rel_sampling_error.values
    # the estimated sampling error is a few per cent, and the LNA is within 3 of it (finite run, 8 groups)
    assert np.all(se < 0.06)
    assert np.all(ds.rel_error.values < 3 * se), (ds.rel_error.values, se)
    assert np.all(ds.mean_shift.values < 0.2)
    assert list(ds.agreement.values) == ["agrees"] * 3 and np.all(ds.escaped.values == 0)
    if name in ("sa-node", "wilson-cowan"):
        # at dt = 0.1 the continuous (ODE-limit) solution is resolved as wrong: the discrete form is needed
        assert np.all(ds.rel_error_continuous.values > ds.rel_error.values + 2 * se)


@pytest.mark.parametrize("name,sigma,dt", CASES)
def test_lna_solves_the_lyapunov_equation(name, sigma, dt):
    m, p = _model(name, sigma, n=8, k=2)
    ds = lna_model(m, p, dt)
    c = m.coupling(p)
    s = m.attractor_states(p.gamma)[1]
    J = m.jacobian(s, c.A, p.gamma)
    S = len(s)
    M, Q = (J, sigma**2 * np.eye(S)) if m.discrete else (np.eye(S) + dt * J, dt * sigma**2 * np.eye(S))
    ref = _kron_reference(M, Q)
    np.testing.assert_allclose(ds.covariance.values[1], ref, rtol=1e-8, atol=1e-12 * np.abs(ref).max())
    C = ds.covariance.values[1]
    U, lam = ds.cov_eigenvector.values[1], ds.cov_eigenvalue.values[1]
    np.testing.assert_allclose(U @ np.diag(lam) @ U.T, C, atol=1e-12 * np.abs(C).max())
    assert np.all(np.diff(lam) <= 0)
    if not m.discrete:
        Cc = lna_model(m, p, dt, method="continuous").covariance.values[1]
        np.testing.assert_allclose(J @ Cc + Cc @ J.T, -sigma**2 * np.eye(S), atol=1e-10 * sigma**2)


@pytest.mark.parametrize("name,sigma,dt", CASES)
def test_covariance_proportional_to_sigma_squared(name, sigma, dt):
    m1, p = _model(name, sigma)
    m3, _ = _model(name, 3 * sigma)
    c1, c3 = lna_model(m1, p, dt).covariance.values, lna_model(m3, p, dt).covariance.values
    np.testing.assert_allclose(c3, 9 * c1, rtol=1e-9, atol=1e-14 * np.abs(c3).max())


def test_double_well_covariance_same_for_every_class():
    # J = -8|gamma|a^2 I + beta A at every attractor: the null test (random, not symmetric coupling)
    m, p = _model("sa-node", 0.02, n=20, k=4, seed=3)
    p = Params(p.phi_tr + 0.1 * np.random.default_rng(1).standard_normal(p.phi_tr.shape), p.lam_tr, p.gamma)
    C = lna_model(m, p, 0.1).covariance.values
    assert np.abs(C[0]).max() > 0
    for k in range(1, 4):
        np.testing.assert_allclose(C[k], C[0], rtol=0, atol=1e-12 * np.abs(C[0]).max())
    # Wilson–Cowan has class-dependent local slopes: its covariance is not the same
    mw, pw = _model("wilson-cowan", 0.01, n=20, k=4, seed=3)
    pw = Params(pw.phi_tr + 0.1 * np.random.default_rng(1).standard_normal(pw.phi_tr.shape), pw.lam_tr, pw.gamma)
    Cw = lna_model(mw, pw, 0.1).covariance.values
    assert np.abs(Cw[1] - Cw[0]).max() > 1e-3 * np.abs(Cw[0]).max()


def test_vanishing_noise_cvfr_has_zero_covariance():
    m, p = _model("cvfr-stochastic", 0.1, noise=None)
    assert m.noise.kind == "damped" and m.stochastic
    ds = lna_model(m, p, 0.03)
    assert np.all(ds.covariance.values == 0.0)
    assert list(ds.status.values) == ["noise-vanishes"] * 3
    assert "damped" in ds.attrs["note"] and "point mass" in ds.attrs["note"]
    det, pd = _model("sa-node", None, noise=None)
    dd = lna_model(det, pd, 0.1)
    assert np.all(dd.covariance.values == 0) and set(dd.status.values) == {"deterministic"}


def test_per_node_and_state_dependent_diffusion():
    sig = np.linspace(0.01, 0.02, 14)
    m, p = _model("sa-node", sig)
    ds = lna_model(m, p, 0.1)
    np.testing.assert_allclose(ds.diffusion.values[0], sig**2)
    mw, pw = _model("wilson-cowan", sig)                  # one amplitude per node, for both populations
    np.testing.assert_allclose(lna_model(mw, pw, 0.1).diffusion.values[0], np.tile(sig, 2) ** 2)
    ms, ps = _model("wilson-cowan", 0.01, noise="state-dependent")
    s = ms.attractor_states(ps.gamma)[0]
    np.testing.assert_allclose(lna_model(ms, ps, 0.1).diffusion.values[0], 1e-4 * np.abs(s))
    with pytest.raises(ValueError, match="sigma must be a scalar or have 14"):
        make_model("sa-node", 14, 3, sigma=np.ones(5), noise="additive")


@pytest.mark.parametrize("name", ["sa-node", "wilson-cowan", "cvfr", "snt-map"])
def test_euler_maruyama_step_against_numpy(name):
    dt = 1.0 if name == "snt-map" else 0.05
    m, p = _model(name, 0.02)
    c = m.coupling(p)
    s0 = m.attractor_states(p.gamma) + 0.01 * np.random.default_rng(2).standard_normal((3, m.n_state_blocks * 14))
    out = np.asarray(m.forward(c.A, p.gamma, s0, 1, dt, noise=(5, 6), keep=False)[-1])
    eta = np.random.default_rng([5, 6]).standard_normal(s0.shape)
    drift = np.array([m.drift(s, c.A, p.gamma) for s in s0])
    amp = 0.02 if m.discrete else 0.02 * np.sqrt(dt)
    step = s0 + drift if m.discrete else s0 + dt * drift
    np.testing.assert_allclose(out, step + amp * eta, rtol=1e-10, atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="sigma"):
        make_model("sa-node", 14, 3, sigma=-0.1, noise="additive")
    with pytest.raises(ValueError, match="noise must be one of"):
        make_model("sa-node", 14, 3, sigma=0.1, noise="pink")
    with pytest.raises(ValueError, match="damped.*cvfr"):
        make_model("wilson-cowan", 14, 3, sigma=0.1, noise="damped")
    with pytest.raises(ValueError, match="needs sigma"):
        make_model("sa-node", 14, 3, noise="additive")
    X, y, _, _ = classify.load_dataset("digits")
    with pytest.raises(ValueError, match="sigma"):
        classify.AttractorClassifier(model="sa-node", noise="additive", sigma=-1.0, maxiter=1).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="noise must be one of"):
        classify.AttractorClassifier(model="sa-node", noise="brown", sigma=0.1, maxiter=1).fit(X[:50], y[:50])
    for name in ("cvfr-stochastic", "snt-map"):
        with pytest.raises(ValueError, match=f"state-dependent.*model='{name}' has no such adjoint"):
            classify.AttractorClassifier(model=name, noise="state-dependent", sigma=0.1,
                                         maxiter=1).fit(X[:50], y[:50])
    m, p = _model("sa-node", 0.01)
    unstable = Params(p.phi_tr, p.lam_tr + 50.0, p.gamma)        # beyond the stability bound
    with pytest.raises(ValueError, match="class 0 is unstable.*max Re eig J"):
        lna_model(m, unstable, 0.1)
    ds = lna_model(m, unstable, 0.1, errors="status")
    assert set(ds.status.values) == {"unstable"} and np.all(np.isnan(ds.covariance.values))
    # stable ODE, but an Euler step too large for the discrete model
    with pytest.raises(ValueError, match="spectral radius of I \\+ dt J"):
        lna_model(m, p, 5.0)
    with pytest.raises(ValueError, match="method"):
        lna_model(m, p, 0.1, method="exact")
    ms, ps = _model("snt-map", 0.01)
    with pytest.raises(ValueError, match="map"):
        lna_model(ms, ps, 1.0, method="continuous")


def test_classifier_noise_roundtrip_and_deterministic():
    X, y, Xt, yt = classify.load_dataset("digits")
    clf = classify.AttractorClassifier(model="sa-node", noise="additive", sigma=0.05, n_nodes=64, steps=10,
                                       optimizer="adam", maxiter=1, batch_size=64, seed=0).fit(X[:300], y[:300])
    assert clf.model_.stochastic
    a, b = clf.predict(Xt[:50], noise_seed=1), clf.predict(Xt[:50], noise_seed=1)
    np.testing.assert_array_equal(a, b)
    out1 = clf._outputs(clf._pad(Xt[:50]), clf.params_, noise=1)
    out2 = clf._outputs(clf._pad(Xt[:50]), clf.params_, noise=2)
    assert np.abs(out1 - out2).max() > 1e-3                     # the noise acts
    det = clf.deterministic()
    assert not det.model_.stochastic and det.noise is None
    np.testing.assert_array_equal(det.params_.lam_tr, clf.params_.lam_tr)
    again = classify.AttractorClassifier.from_dataset(clf.to_dataset())
    assert again.model_.noise.kind == "additive" and again.model_.noise.sigma == 0.05
    sd = classify.with_noise(clf, "state-dependent", 0.05)
    assert sd.model_.noise.kind == "state-dependent" and clf.model_.noise.kind == "additive"
    ds = classify.lna(sd)
    assert ds.attrs["noise"] == '{"kind": "state-dependent", "sigma": 0.05}'


def test_lna_matches_euler_maruyama_state_dependent():
    # B(s) = sigma sqrt|s| evaluated along the path; the LNA takes it at the attractor (leading order in sigma)
    m, p = _model("wilson-cowan", 0.005, noise="state-dependent")
    ds = compare_lna_model(m, p, 0.1, steps=6000, chains=32, groups=8, seed=1)
    se = ds.rel_sampling_error.values
    assert list(ds.status.values) == ["ok"] * 3 and np.all(se < 0.06)
    assert np.all(ds.rel_error.values < 3 * se), (ds.rel_error.values, se)


def test_broad_noise_is_flagged_and_disagrees():
    # sigma = 0.3: 3 standard deviations of a node exceed a = 0.5 (half the gap between -a and +a); the chains
    # flip nodes and the simulated covariance is far from the LNA's
    m, p = _model("sa-node", 0.3)
    ds = compare_lna_model(m, p, 0.1, steps=2000, chains=16, groups=8, seed=1)
    assert set(ds.status.values) == {"broad"} and "leave the basin" in ds.attrs["note"]
    assert set(ds.agreement.values) <= {"disagrees", "left the basin"}
    assert np.all(ds.rel_error.values > 1.0)


def test_escapes_are_timed_and_end_the_lna_agreement():
    # sigma = 0.3 on a random coupling: nodes flip within a few hundred steps; every escape step is a step at which
    # the chain really is farther than the escape radius, and the verdict is "left the basin", never "agrees"
    m, p = _model("sa-node", 0.3)
    ds = compare_lna_model(m, p, 0.1, steps=1000, chains=16, groups=8, seed=1)
    assert np.all(ds.escaped.values > 0) and set(ds.agreement.values) == {"left the basin"}
    total = ds.burn.values + 1000
    assert np.all(ds.valid_steps.values >= 1) and np.all(ds.valid_steps.values <= total)
    np.testing.assert_array_equal(ds.valid_steps.values, np.nanmin(ds.escape_step.values, axis=1))
    np.testing.assert_allclose(ds.escaped.values, np.isfinite(ds.escape_step.values).mean(1))
    # the escape radius is half the distance to the nearest other attractor
    st = ds.attractor.values
    d = np.sqrt(((st[0] - st[1:]) ** 2).sum(1)).min()
    assert ds.escape_radius.values[0] == pytest.approx(d / 2)


@pytest.fixture(scope="module")
def quick_noisy(digits):
    from .stochastic_settings import QUICK

    X, y, _, _ = digits
    return classify.AttractorClassifier(model="sa-node", noise="additive", sigma=0.05, steps=20, **QUICK).fit(X, y)


def test_escape_times_against_a_plain_simulation(quick_noisy):
    clf = quick_noisy
    ds = classify.escape_times(clf, [0.4, 0.002], max_steps=300, chains=6, block=300, seed=4)
    assert ds.escape_step.dims == ("sigma", "class", "chain") and ds.sizes["class"] == 10
    # large noise: every chain leaves within 300 steps; tiny noise: none does (the basins are ~1 wide)
    assert np.all(ds.escaped.values[0] == 1) and np.all(ds.escaped.values[1] == 0)
    assert np.all(np.isfinite(ds.median_escape_step.values[0])) and np.all(np.isnan(ds.median_escape_step.values[1]))
    # the same chains re-simulated in one call (block = max_steps: same noise key) and timed by plain numpy
    noisy = classify.with_noise(clf, "additive", 0.4)
    m, A = noisy.model_, clf.coupling_.A.astype(clf.model_.dtype)
    k = 3
    s_star = m.attractor_states(clf.params_.gamma)[k]
    x0 = np.tile(s_star, (6, 1)).astype(m.dtype)
    traj = m.forward(A, clf.params_.gamma, x0, 300, clf.dt_, [int(ds.attrs["seed_entropy"]), 0, k, 0], keep=True)
    X = np.asarray(traj.array if traj.array is not None else np.stack(traj))[1:].astype(np.float64)
    dist = np.sqrt(((X - s_star) ** 2).sum(-1))
    first = 1 + np.argmax(dist > ds.escape_radius.values[k], axis=0)
    np.testing.assert_array_equal(ds.escape_step.values[0, k], first)


def test_escape_times_bad_input(quick_noisy):
    with pytest.raises(ValueError, match="sigmas"):
        classify.escape_times(quick_noisy, [0.1, -0.1])
    with pytest.raises(ValueError, match="sigmas must be positive"):
        classify.escape_times(quick_noisy, [0.0])
    with pytest.raises(ValueError, match="max_steps"):
        classify.escape_times(quick_noisy, [0.1], max_steps=0)


def test_fit_with_state_dependent_noise(digits):
    # the double well trains with sigma sqrt|s| noise (its adjoint is checked by central differences in
    # test_classify_models.py); the saved classifier keeps the noise model
    from .stochastic_settings import QUICK

    X, y, Xt, yt = digits
    clf = classify.AttractorClassifier(model="sa-node", noise="state-dependent", sigma=0.05, steps=20,
                                       **QUICK).fit(X, y)
    assert clf.model_.noise.kind == "state-dependent"
    assert clf.score(Xt, yt) > 0.85                   # additive noise, same settings: about 0.92
    again = classify.AttractorClassifier.from_dataset(clf.to_dataset())
    assert again.model_.noise.kind == "state-dependent" and again.model_.noise.sigma == 0.05
    np.testing.assert_array_equal(again.predict(Xt[:40], noise_seed=3), clf.predict(Xt[:40], noise_seed=3))
