"""simulate() and the map kernel against the plain-numpy reference, seeds, batching, divergence."""

import importlib

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import snt
from snt import _kernels as kernels
from snt._seeds import child
from snt.network import TRANSFERS

from . import reference

simulate_module = importlib.import_module("snt.simulate")
dynamics_module = importlib.import_module("snt.dynamics")


def _net(N=40, g=2.0, gamma=0.3, sigma=0.0, seed=0, transfer="tanh", theta_std=0.0):
    return snt.Ensemble(N=N, J=1.0, g=g, gamma=gamma, sigma=sigma, theta_mean=0.1, theta_std=theta_std,
                        transfer=transfer).sample(seed=seed)


@pytest.mark.parametrize("transfer", TRANSFERS)
def test_transfer_kernels_match_numpy(transfer):
    x = np.concatenate([np.linspace(-30, 30, 2001), [0.0, 1e-300, -1e-12, 700.0, -700.0]])
    for g in (0.5, 2.0):
        np.testing.assert_allclose(kernels.apply_transfer(x, g, kernels.TRANSFER_CODES[transfer]),
                                   reference.f(x, g, transfer), rtol=0, atol=5e-16)
        np.testing.assert_allclose(kernels.apply_slope(x, g, kernels.TRANSFER_CODES[transfer]),
                                   reference.fprime(x, g, transfer), rtol=0, atol=4e-15)


@pytest.mark.parametrize("transfer", TRANSFERS)
@pytest.mark.parametrize("g,steps", [(0.4, 300), (2.0, 40)])
def test_deterministic_trajectories_match_numpy(transfer, g, steps):
    # g = 0.4 contracts (errors shrink), g = 2 is chaotic: 40 steps keep the growth of rounding below
    # e^(0.2*40) ~ 3e3 times 1e-16.
    net = _net(g=g, transfer=transfer, theta_std=0.2)
    ds = simulate_module.simulate(net, steps, trials=3, seed=11)
    root = np.random.SeedSequence(11)
    for b in range(3):
        u0, _ = reference.trial_draws(child(root, b), net.N, steps, 0.0)
        ref = reference.trajectory(net, u0, steps)
        np.testing.assert_allclose(ds.u.isel(trial=b).values, ref[:steps], rtol=0, atol=1e-12)
        np.testing.assert_allclose(ds.u_final.isel(trial=b).values, ref[steps], rtol=0, atol=1e-12)
        m_ref = reference.f(ref[:steps], net.g, transfer).mean(axis=1)
        np.testing.assert_allclose(ds.M.isel(trial=b).values, m_ref, rtol=0, atol=1e-12)


def test_noisy_trajectories_match_numpy_with_the_same_noise(monkeypatch):
    # Small chunks force several noise draws per trial: the stream must not depend on the chunking.
    monkeypatch.setattr(dynamics_module, "CHUNK_ELEMENTS", 7 * 3 * 40)
    net = _net(g=0.8, gamma=0.5, sigma=0.3)
    steps, transient, every = 90, 30, 4
    ds = snt.simulate(net, steps, trials=3, transient=transient, record_every=every, seed=5)
    root = np.random.SeedSequence(5)
    for b in range(3):
        u0, noise = reference.trial_draws(child(root, b), net.N, transient + steps, net.sigma)
        ref = reference.trajectory(net, u0, transient + steps, noise=noise)
        np.testing.assert_allclose(ds.u.isel(trial=b).values, ref[transient:transient + steps:every],
                                   rtol=0, atol=1e-12)
    np.testing.assert_array_equal(ds.time.values, np.arange(transient, transient + steps, every))


def test_stimulus_array_and_callable_agree_with_reference():
    net = _net(g=0.6, gamma=0.2)
    steps = 50
    rng = np.random.default_rng(3)
    stim = rng.standard_normal((steps, net.N)) * 0.5
    a = snt.simulate(net, steps, trials=2, stimulus=stim, seed=1)
    b = snt.simulate(net, steps, trials=2, stimulus=lambda t: stim[t], seed=1)
    xr.testing.assert_equal(a[["u", "M"]], b[["u", "M"]])
    u0, _ = reference.trial_draws(child(np.random.SeedSequence(1), 1), net.N, steps, 0.0)
    ref = reference.trajectory(net, u0, steps, stimulus=stim)
    np.testing.assert_allclose(a.u.isel(trial=1).values, ref[:steps], rtol=0, atol=1e-12)
    # a (T,) stimulus is the same input for every neuron
    scalar = snt.simulate(net, steps, trials=1, stimulus=np.full(steps, 0.25), seed=1)
    full = snt.simulate(net, steps, trials=1, stimulus=np.full((steps, net.N), 0.25), seed=1)
    np.testing.assert_array_equal(scalar.u.values, full.u.values)


def test_trials_split_across_calls_are_bit_identical(monkeypatch):
    # Chaotic and noisy: any difference in arithmetic or noise would show. Different batch sizes also
    # mean different time chunks, so this checks chunk invariance too.
    monkeypatch.setattr(dynamics_module, "CHUNK_ELEMENTS", 10_000)
    net = _net(N=60, g=2.0, gamma=0.2, sigma=0.2)
    kids = np.random.SeedSequence(21).spawn(8)
    whole = snt.simulate(net, 300, trials=8, transient=20, seed=21, exact=True)
    for parts in ([(0, 4), (4, 8)], [(0, 3), (3, 8)], [(0, 2), (2, 7), (7, 8)]):
        pieces = [snt.simulate(net, 300, trials=b - a, transient=20, seed=kids[a:b], exact=True) for a, b in parts]
        for (a, b), piece in zip(parts, pieces):
            np.testing.assert_array_equal(piece.u.values, whole.u.values[a:b])
            np.testing.assert_array_equal(piece.M.values, whole.M.values[a:b])


def test_lone_trial_equals_its_batched_self_to_rounding_with_fast_products():
    net = _net(N=60, g=0.5, gamma=0.4, sigma=0.3)  # contracting: rounding differences do not grow
    kids = np.random.SeedSequence(4).spawn(5)
    whole = snt.simulate(net, 200, trials=5, seed=4)
    alone = snt.simulate(net, 200, trials=1, seed=kids[3:4])   # gemv (the default fast products)
    np.testing.assert_allclose(alone.u.values[0], whole.u.values[3], rtol=0, atol=1e-13)


def test_same_seed_identical_and_different_seed_different():
    net = _net(sigma=0.1)
    a = snt.simulate(net, 50, trials=2, seed=7)
    b = snt.simulate(net, 50, trials=2, seed=7)
    xr.testing.assert_identical(a, b)
    c = snt.simulate(net, 50, trials=2, seed=8)
    assert not np.allclose(a.u.values, c.u.values)
    assert a.attrs["seed_entropy"] == "7"
    # unseeded runs record their entropy so they can be repeated
    d = snt.simulate(net, 20, trials=1)
    e = snt.simulate(net, 20, trials=1, seed=int(d.attrs["seed_entropy"]))
    np.testing.assert_array_equal(d.u.values, e.u.values)


def test_record_m_only_never_allocates_the_full_array():
    import tracemalloc

    net = _net(N=500, g=1.5, sigma=0.1)
    trials, steps = 4, 4000
    full_bytes = trials * steps * net.N * 8  # 64 MB if u were kept
    snt.simulate(net, 10, trials=trials, record=("M",), seed=0)  # compile outside the measurement
    tracemalloc.start()
    ds = snt.simulate(net, steps, trials=trials, record="M", seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "u" not in ds and ds.M.shape == (trials, steps)
    # the noise buffers take 2 x 8 MB; keeping u would take 64 MB more
    assert peak < full_bytes / 3, f"peak {peak / 1e6:.1f} MB"


def test_divergence_is_flagged_per_trial_and_never_silent():
    net = _net(N=10, g=1.0, gamma=0.5)
    u0 = np.zeros((2, 10))
    u0[1] = 1.7e308
    stim = np.zeros((30, 10))
    stim[0] = 1e308  # trial 1: 0.5*1.7e308 + 1e308 overflows at t = 1; trial 0 stays finite
    ds = snt.simulate(net, 30, trials=2, u0=u0, stimulus=stim, seed=0)
    assert ds.diverged.values.tolist() == [False, True]
    assert ds.diverged_at.values.tolist() == [-1, 1]
    assert np.all(np.isfinite(ds.u.isel(trial=0))) and np.all(np.isfinite(ds.M.isel(trial=0)))
    assert np.all(np.isfinite(ds.u.isel(trial=1, time=0)))
    assert np.all(np.isnan(ds.u.isel(trial=1, time=slice(1, None))))
    assert np.all(np.isnan(ds.M.isel(trial=1, time=slice(1, None))))


def test_dataset_conventions():
    net = _net(N=20)
    ds = snt.simulate(net, 12, trials=2, transient=3, seed=1)
    assert ds.u.dims == ("trial", "time", "neuron") and ds.u.dtype == np.float64
    assert ds.M.dims == ("trial", "time")
    for name in ("u", "M", "u_final", "status", "diverged_at"):
        assert ds[name].attrs["long_name"]
    assert ds.time.attrs["units"] == "step"
    for key in ("source", "parameters", "method", "seed_entropy"):
        assert key in ds.attrs
    assert snt.__version__ in ds.attrs["source"] and "E1" in ds.attrs["method"]


# --- properties ------------------------------------------------------------------------------------


@given(N=st.integers(2, 30), gamma=st.floats(0.0, 0.9), frac=st.floats(0.1, 0.95), seed=st.integers(0, 2**31),
       transfer=st.sampled_from(TRANSFERS))
def test_contraction_below_g_as(N, gamma, frac, seed, transfer):
    # E3: |f(a) - f(b)| <= g|a - b|, so ||F(u) - F(v)|| <= (gamma + g ||J||_2) ||u - v||: with the same noise
    # the distance between two trajectories shrinks at least that fast.
    J = snt.ensembles.iid(N, 1.0, seed=seed)
    g_as = (1 - gamma) / np.linalg.norm(J, 2)
    net = snt.Network(J, g=frac * g_as, gamma=gamma, sigma=0.2, transfer=transfer)
    rng = np.random.default_rng(seed)
    u0 = rng.standard_normal((2, N)) * 3
    same = np.random.SeedSequence(seed)
    ds = snt.simulate(net, 40, trials=2, u0=u0, seed=[same, same])
    dist = np.linalg.norm(ds.u.isel(trial=0).values - ds.u.isel(trial=1).values, axis=1)
    rate = gamma + frac * g_as * np.linalg.norm(J, 2)
    bound = dist[0] * rate ** np.arange(40)
    assert np.all(dist <= bound * (1 + 1e-9) + 1e-12)


@settings(max_examples=10)
@given(gamma=st.floats(0.0, 0.9), sigma=st.floats(0.1, 2.0), theta_mean=st.floats(-2, 2),
       theta_std=st.floats(0.0, 1.5), seed=st.integers(0, 2**31))
def test_uncoupled_moments(gamma, sigma, theta_mean, theta_std, seed):
    # J = 0: u_i(t) is an AR(1) process around -theta_i/(1-gamma); over neurons and time the variance is
    # sigma^2/(1-gamma^2) + var(theta)/(1-gamma)^2 and the mean -mean(theta)/(1-gamma) (exact given theta).
    N, steps = 500, 800
    theta = theta_mean + theta_std * np.random.default_rng(seed).standard_normal(N)
    net = snt.Network(np.zeros((N, N)), theta=theta, g=1.0, gamma=gamma, sigma=sigma)
    ds = snt.simulate(net, steps, trials=1, transient=int(30 / (1 - gamma)) + 20, seed=seed,
                      u0=-theta / (1 - gamma))
    u = ds.u.values[0]
    mean_theory = -theta.mean() / (1 - gamma)
    var_theory = sigma**2 / (1 - gamma**2) + theta.var() / (1 - gamma) ** 2
    # Effective samples: N * steps * (1-gamma)/(1+gamma) >= 2e4, so the variance estimate has relative
    # standard error <= 1 %: 5 % is a five-sigma bound. The mean's standard error is the noise part only.
    n_eff = N * steps * (1 - gamma) / (1 + gamma)
    assert abs(u.var() - var_theory) <= 0.05 * var_theory
    assert abs(u.mean() - mean_theory) <= 5 * sigma / np.sqrt(1 - gamma**2) / np.sqrt(n_eff) + 1e-12


# --- bad input ------------------------------------------------------------------------------------

GOOD_J = np.eye(3) * 0.5


@pytest.mark.parametrize("kwargs,exc,words", [
    ({"J": GOOD_J, "gamma": 1.0}, ValueError, "gamma"),
    ({"J": GOOD_J, "gamma": -0.1}, ValueError, "gamma"),
    ({"J": np.array([[np.nan, 0], [0, 0]])}, ValueError, "J must be finite"),
    ({"J": np.ones((2, 3))}, ValueError, "square"),
    ({"J": np.ones(3)}, ValueError, "dimension"),
    ({"J": GOOD_J, "theta": np.ones(4)}, ValueError, "theta"),
    ({"J": GOOD_J, "theta": "0.1"}, TypeError, "theta must be a real number"),
    ({"J": GOOD_J, "theta": None}, TypeError, "theta must be a real number"),
    ({"J": GOOD_J, "theta": ["a", "b", "c"]}, TypeError, "theta must be an array"),
    ({"J": GOOD_J, "sigma": -1.0}, ValueError, "sigma"),
    ({"J": GOOD_J, "g": -0.5}, ValueError, "g must be"),
    ({"J": GOOD_J, "g": float("inf")}, ValueError, "g must be finite"),
    ({"J": GOOD_J, "transfer": "relu"}, ValueError, "transfer"),
    ({"J": GOOD_J, "gamma": "0.5"}, TypeError, "gamma"),
    ({"J": "abc"}, TypeError, "J"),
])
def test_network_rejects_bad_input(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        snt.Network(**kwargs)


NET = snt.Network(GOOD_J, g=1.0)


@pytest.mark.parametrize("call,exc,words", [
    (lambda: snt.simulate(NET, 0), ValueError, "steps must be >= 1"),
    (lambda: snt.simulate(NET, 10, trials=0), ValueError, "trials"),
    (lambda: snt.simulate(NET, 10, transient=-1), ValueError, "transient"),
    (lambda: snt.simulate(NET, 10, record_every=0), ValueError, "record_every"),
    (lambda: snt.simulate(NET, 10, record=("v",)), ValueError, "record"),
    (lambda: snt.simulate(NET, 10, stimulus=np.zeros((10, 4))), ValueError, "stimulus must have shape"),
    (lambda: snt.simulate(NET, 10, transient=5, stimulus=np.zeros(12)), ValueError, "needs transient"),
    (lambda: snt.simulate(NET, 10, stimulus=lambda t: np.zeros(5)), ValueError, "stimulus"),
    (lambda: snt.simulate(NET, 10, u0=np.zeros(4)), ValueError, "u0"),
    (lambda: snt.simulate(NET, 10, seed=-3), ValueError, "seed"),
    (lambda: snt.simulate(NET, 10, trials=2, seed=[np.random.SeedSequence(1)]), ValueError, "one per trial"),
    (lambda: snt.simulate(NET, 2.5), TypeError, "steps must be an integer"),
    (lambda: snt.simulate(snt.Ensemble(N=3), 10), TypeError, "sample"),
    (lambda: NET.replace(gain=2.0), TypeError, "unknown field"),
    (lambda: snt.Ensemble(N=0), ValueError, "N must be >= 1"),
    (lambda: snt.Ensemble(N=10, theta_std=-1), ValueError, "theta_std"),
])
def test_simulate_rejects_bad_input(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_network_is_immutable_and_replace_validates():
    with pytest.raises(Exception):
        NET.g = 3.0
    with pytest.raises(ValueError):
        NET.J[0, 0] = 1.0
    assert NET.replace(g=2.5).g == 2.5 and NET.g == 1.0
    with pytest.raises(ValueError, match="gamma"):
        NET.replace(gamma=1.5)
