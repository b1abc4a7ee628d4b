"""The trajectory engine (snt.dynamics.Batch) and its riders: each rider against its plain-numpy twin in
tests/reference.py, and for every rider the engine's guarantees: time chunking, lane padding, seeds,
stimulus, divergence of one trial (flagged, the others carry on) and the status variable."""

import importlib

import numpy as np
import pytest

import snt
from snt import response
from snt.dynamics import Batch
from snt.response._forcing import Forcing
from snt.response._kernel import Pulses
from snt.results import STATUS

from . import reference

dynamics_module = importlib.import_module("snt.dynamics")


def _net(N=12, **kw):
    params = dict(J=1.0, g=1.8, gamma=0.3, sigma=0.1, theta_std=0.2)
    params.update(kw)
    return snt.Ensemble(N=N, **params).sample(seed=4)


def _run_window(net, rider_factory, trials=3, transient=7, n=6, seed=5):
    """Advance ``transient`` steps, then ``n`` with the rider; returns (batch, rider, u before, noise).

    One thread: the riders keep their last piece's output only, and the thread policy's timing pieces would
    cut the window into several (the cutting of a run is tested apart, in the engine's guarantees below)."""
    batch = Batch(net, trials, seed=seed, total=transient + n, threads=1)
    with batch:
        batch.advance(transient)
        rider = rider_factory(batch)
        before = batch.U[:trials].copy()
        draws = []
        batch.advance(n, rider, lambda b, t0, m, drive: draws.append(drive[0]))
    noise = np.concatenate(draws, axis=1) if net.sigma > 0 else None
    return batch, rider, before, noise


# ------------------------------------------------------------------------------------ riders vs reference

def test_pulse_riders_match_their_numpy_twins():
    net = _net()
    H, eps = 6, 1e-6
    src = np.array([0, 3])

    def make(batch):
        rider = Pulses(batch, H, src, 2, True, True, True, eps)
        rider.new_patterns()
        return rider

    batch, rider, before, noise = _run_window(net, make, n=H)
    for b in range(batch.B):
        nz = noise[b]
        states = reference.trajectory(net, before[b], H, noise=nz)[1:]
        np.testing.assert_allclose(rider.u[:, b], states, rtol=0, atol=1e-12)
        V = reference.jacobian_rider(net, states, rider.E[b])
        np.testing.assert_allclose(rider.D[:, b, 0], V, rtol=0, atol=1e-10)
        D = reference.kicked_replicas(net, before[b], nz, rider.E[b], eps)
        # (R - u) / eps amplifies rounding by 1/eps: 1e-16 / 1e-6, over a few steps of growth
        np.testing.assert_allclose(rider.D[:, b, 1], D, rtol=0, atol=1e-8)
        # the linear response of the kicked replica is the tangent vector, to O(eps)
        np.testing.assert_allclose(D, V, rtol=0, atol=1e-4)


def test_forced_replicas_match_their_numpy_twin():
    net = _net()
    w, eps = np.array([0.4, 2.0]), 1e-3
    e = np.zeros(net.N)
    e[2] = 1.0
    batch, rider, before, noise = _run_window(net, lambda batch: Forcing(batch, w, eps, e), n=5)
    t = np.arange(5)[:, None]
    force = eps * np.concatenate([np.cos(w * t), np.sin(w * t)], axis=1)
    for b in range(batch.B):
        ref = reference.forced_replicas(net, before[b], noise[b], force, e) / eps
        np.testing.assert_allclose(rider.D[:5, b, 1], ref, rtol=0, atol=1e-10)


def test_tangent_and_qr_riders_follow_simulate_with_a_stimulus():
    net = _net(N=20)
    stim = 0.05 * np.sin(np.arange(300))[:, None] * np.linspace(-1, 1, net.N)[None, :]
    sim = snt.simulate(net, 250, transient=50, trials=3, stimulus=stim, seed=2, record="M", exact=True)
    ly = snt.max_lyapunov(net, 300, transient=50, trials=3, stimulus=stim, seed=2, exact=True)
    sp = snt.lyapunov_spectrum(net, 300, k=3, transient=50, trials=3, stimulus=stim, seed=2, exact=True)
    np.testing.assert_array_equal(ly.u_final.values, sim.u_final.values)
    np.testing.assert_array_equal(sp.u_final.values, sim.u_final.values)
    plain = snt.max_lyapunov(net, 300, transient=50, trials=3, seed=2, exact=True)
    assert not np.array_equal(plain.u_final.values, ly.u_final.values)      # the stimulus did enter


# ------------------------------------------------------------------------------------ chunking, padding, seeds

ANALYSES = {
    "simulate": lambda net, **kw: snt.simulate(net, 60, transient=10, **kw),
    "max_lyapunov": lambda net, **kw: snt.max_lyapunov(net, 80, transient=10, tangent_transient=5, blocks=2, **kw),
    "lyapunov_spectrum": lambda net, **kw: snt.lyapunov_spectrum(net, 80, k=3, transient=10, tangent_transient=5,
                                                                 qr_every=2, blocks=2, **kw),
    "kernel": lambda net, **kw: response.kernel(net, 4, sources=[0, 1], method=response.METHODS, steps=40,
                                                transient=10, blocks=2, probes=2, theory=False, **kw),
    "susceptibility": lambda net, **kw: response.susceptibility(net, [0.5, 1.5], steps=30, transient=10,
                                                                settle=5, blocks=2, **kw),
}


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_time_chunking_does_not_change_a_bit(monkeypatch, name):
    net = _net()
    whole = ANALYSES[name](net, trials=3, seed=9)
    monkeypatch.setattr(dynamics_module, "CHUNK_ELEMENTS", 2 * 3 * net.N + 5)     # chunks of 2 steps
    pieces = ANALYSES[name](net, trials=3, seed=9)
    for var in whole.data_vars:
        np.testing.assert_array_equal(pieces[var].values, whole[var].values, err_msg=var)


@pytest.mark.parametrize("name", ["simulate", "max_lyapunov", "lyapunov_spectrum"])
def test_a_trial_is_the_same_in_any_padded_batch(name):
    net = _net()
    kids = np.random.SeedSequence(3).spawn(7)
    whole = ANALYSES[name](net, trials=7, seed=3, exact=True)
    for a, b in ((0, 1), (0, 2), (2, 7), (3, 6)):
        part = ANALYSES[name](net, trials=b - a, seed=kids[a:b], exact=True)
        np.testing.assert_array_equal(part.u_final.values, whole.u_final.values[a:b])


def test_batch_seeds_are_the_children_of_the_root():
    net = _net()
    batch = Batch(net, 4, seed=11, exact=True)
    kids = np.random.SeedSequence(11).spawn(4)
    for s, k in zip(batch.seeds, kids):
        assert s.entropy == k.entropy and s.spawn_key == k.spawn_key
    u0 = np.stack([np.random.default_rng(k).standard_normal(net.N) for k in kids])
    np.testing.assert_array_equal(batch.U[:4], u0)
    L = snt._kernels.EXACT_LANES
    assert batch.Bp == L and batch.U.shape == (L, net.N) and np.all(batch.U[4:] == 0)
    assert Batch(net, L + 1, seed=1, exact=True).Bp == 2 * L
    assert Batch(net, 1, exact=False).Bp == 1 and Batch(net, 5, exact=False).Bp == 8


# ------------------------------------------------------------------------------------ divergence and status

def _exploding():
    """Neuron 0 listens to neuron 1 only (J_01 = 2e307) with a tiny gain: near u = 0 the map contracts, but a
    trial started at u = 1.79e308 overflows in its first step (0.9 * 1.79e308 + 2e307 > max float)."""
    J = np.zeros((4, 4))
    J[0, 1] = 2e307
    net = snt.Network(J, g=1e-300, gamma=0.9, sigma=0.1)
    u0 = np.zeros((3, 4))
    u0[2] = 1.79e308
    return net, u0


EXPLODING = {
    "simulate": lambda net, **kw: snt.simulate(net, 40, **kw),
    "max_lyapunov": lambda net, **kw: snt.max_lyapunov(net, 60, tangent_transient=5, blocks=2, **kw),
    "lyapunov_spectrum": lambda net, **kw: snt.lyapunov_spectrum(net, 60, k=2, tangent_transient=5, blocks=2, **kw),
    "kernel": lambda net, **kw: response.kernel(net, 4, sources=[2, 3], method=response.METHODS, steps=40,
                                                transient=5, blocks=2, probes=2, theory=False,
                                                max_separation=1e12, **kw),
    "susceptibility": lambda net, **kw: response.susceptibility(net, [0.5, 1.5], steps=30, transient=5, settle=5,
                                                                blocks=2, **kw),
}


@pytest.mark.filterwarnings("ignore:overflow encountered in square:RuntimeWarning")   # J.std() in params
@pytest.mark.parametrize("name", sorted(EXPLODING))
def test_one_exploding_trial_is_flagged_and_the_others_carry_on(name):
    net, u0 = _exploding()
    kids = np.random.SeedSequence(6).spawn(3)
    ds = EXPLODING[name](net, trials=3, u0=u0, seed=kids)
    assert ds.status.values.tolist() == [STATUS["ok"], STATUS["ok"], STATUS["diverged"]]
    assert ds.status.attrs["flag_meanings"].split()[:2] == ["ok", "diverged"]
    assert ds.diverged_at.values.tolist() == [-1, -1, 1]
    survivors = EXPLODING[name](net, trials=2, u0=u0[:2], seed=kids[:2])
    assert survivors.status.values.tolist() == [0, 0]
    for var in ds.data_vars:
        if var in ("status", "diverged", "diverged_at"):
            continue
        a, b = ds[var], survivors[var]
        if "trial" in a.dims:
            a = a.isel(trial=[0, 1])
        np.testing.assert_array_equal(a.values, b.values, err_msg=var)
        if "trial" not in ds[var].dims or not np.issubdtype(ds[var].dtype, np.floating) or var == "u_final":
            continue
        dead = ds[var].isel(trial=2)
        if "time" in dead.dims and name == "simulate":
            dead = dead.isel(time=slice(1, None))                # u(0) was finite
        assert np.all(np.isnan(dead.values)), var


# ------------------------------------------------------------------------------------ seeds: Generators

@pytest.mark.parametrize("name", ["simulate", "max_lyapunov", "kernel"])
def test_a_generator_seed_is_consumed_and_recorded(name):
    net = _net()
    gen = np.random.default_rng(42)
    first = ANALYSES[name](net, trials=2, seed=gen)
    second = ANALYSES[name](net, trials=2, seed=gen)
    assert not np.array_equal(first.u_final.values, second.u_final.values)      # the Generator advanced
    again = ANALYSES[name](net, trials=2, seed=np.random.default_rng(42))
    np.testing.assert_array_equal(again.u_final.values, first.u_final.values)   # alike Generators, alike runs
    replay = ANALYSES[name](net, trials=2, seed=int(first.attrs["seed_entropy"]))
    np.testing.assert_array_equal(replay.u_final.values, first.u_final.values)


# ------------------------------------------------------------------------------------ complex input refused

@pytest.mark.parametrize("what", ["J", "theta", "theta_scalar", "u0", "u0_list", "stimulus", "stimulus_fn"])
def test_complex_input_is_refused_naming_the_parameter(what):
    N = 5
    J = np.eye(N) * 0.5
    if what == "J":
        with pytest.raises(TypeError, match="J must be real"):
            snt.Network(J + 0.1j)
        return
    if what.startswith("theta"):
        theta = 0.1 + 0.2j if what == "theta_scalar" else np.full(N, 0.1 + 0.2j)
        with pytest.raises(TypeError, match="theta"):
            snt.Network(J, theta=theta)
        return
    net = snt.Network(J)
    kw = {"u0": {"u0": np.ones(N) * (1 + 1j)}, "u0_list": {"u0": [1j] * N},
          "stimulus": {"stimulus": np.full((10, N), 1j)},
          "stimulus_fn": {"stimulus": lambda t: np.full(N, 0.5j)}}[what]
    name = "u0" if what.startswith("u0") else "stimulus"
    for run in (lambda: snt.simulate(net, 10, **kw), lambda: snt.max_lyapunov(net, 10, tangent_transient=0,
                                                                               blocks=2, **kw)):
        with pytest.raises(TypeError, match=name):
            run()


# ------------------------------------------------------------------------------------ exact products

INVARIANCE = {
    "simulate": lambda net, **kw: snt.simulate(net, 30, record="M", **kw),
    "max_lyapunov": lambda net, **kw: snt.max_lyapunov(net, 30, tangent_transient=2, blocks=2, **kw),
    "lyapunov_spectrum": lambda net, **kw: snt.lyapunov_spectrum(net, 20, k=2, tangent_transient=2, blocks=2,
                                                                 **kw),
    "kernel": lambda net, **kw: response.kernel(net, 3, sources=[0], method=response.METHODS, steps=12,
                                                transient=2, blocks=2, probes=1, theory=False, **kw),
}


@pytest.mark.parametrize("name", sorted(INVARIANCE))
def test_exact_products_make_a_trial_independent_of_the_split_and_of_threads(name):
    # N = 500: on OpenBLAS the gemm of 1, 4, 8 or 16 rows of this size take different code paths (and a
    # 2-thread gemm another one), so without fixed-shape products a trial's bits depend on its batch.
    net = snt.Ensemble(N=500, J=1.0, g=2.0, gamma=0.2, sigma=0.1).sample(seed=2)
    kids = np.random.SeedSequence(8).spawn(11)
    whole = INVARIANCE[name](net, trials=11, seed=kids, exact=True)
    if name == "kernel":                # the estimate pools trials; the trajectories are per trial
        other = INVARIANCE[name](net, trials=11, seed=kids, threads=2, exact=True)
        np.testing.assert_array_equal(other.R.values, whole.R.values)
    for a, b in ((0, 1), (4, 5), (1, 9), (9, 11)):
        part = INVARIANCE[name](net, trials=b - a, seed=kids[a:b], threads=2, exact=True)
        np.testing.assert_array_equal(part.u_final.values, whole.u_final.values[a:b], err_msg=f"{a}:{b}")
        for var in ("lambda_max", "exponents_trial", "M"):
            if var in whole:       # (the spectrum's columns are ordered by the trial mean: sort each trial)
                order = (lambda x: np.sort(x, axis=-1)) if var == "exponents_trial" else (lambda x: x)
                np.testing.assert_array_equal(order(part[var].values), order(whole[var].values[a:b]))


def test_fast_products_agree_to_rounding_and_exactly_within_one_padded_size():
    net = snt.Ensemble(N=60, J=1.0, g=0.5, gamma=0.4, sigma=0.3).sample(seed=1)   # contracting
    kids = np.random.SeedSequence(4).spawn(6)
    whole = snt.simulate(net, 200, trials=6, seed=kids)                             # default: exact=False
    same_pad = snt.simulate(net, 200, trials=5, seed=kids[1:])                      # 8 rows, like 6 trials
    np.testing.assert_array_equal(same_pad.u.values, whole.u.values[1:])
    alone = snt.simulate(net, 200, trials=1, seed=kids[3:4])                        # gemv
    np.testing.assert_allclose(alone.u.values[0], whole.u.values[3], rtol=0, atol=1e-13)
    exact = snt.simulate(net, 200, trials=6, seed=kids, exact=True)
    np.testing.assert_allclose(exact.u.values, whole.u.values, rtol=0, atol=1e-13)


@pytest.mark.filterwarnings("ignore:overflow encountered in square:RuntimeWarning")
def test_power_spectrum_of_an_all_diverged_run_raises_a_divergence_error():
    net, u0 = _exploding()
    ds = snt.simulate(net, 32, trials=1, u0=u0[2], seed=1)
    assert ds.status.values.tolist() == [STATUS["diverged"]]
    with pytest.raises(snt.DivergenceError, match="every trial diverged"):
        snt.power_spectrum(ds)
    assert issubclass(snt.DivergenceError, snt.SntError) and issubclass(snt.DivergenceError, RuntimeError)
