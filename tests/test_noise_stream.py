"""Noise stream 2 (snt._philox): Philox4x32-10 against its published known answers, the normal draws against
a plain-numpy Box--Muller, their statistics, and the engine's use of them (fused in the step, the same bits
however a run is split); stream 1 still gives the first releases' draws."""

import importlib

import numpy as np
import pytest
from numba import njit
from scipy import stats

import snt
from snt import _philox as ph
from snt._seeds import child, trial_seeds

from . import reference

dynamics_module = importlib.import_module("snt.dynamics")

#: Known-answer vectors of Philox4x32-10 published with the Random123 library (counter, key, output).
KAT = [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
]


@njit
def _philox(c, k):
    return ph.philox4x32(c[0], c[1], c[2], c[3], k[0], k[1])


@pytest.mark.parametrize("counter,key,want", KAT)
def test_philox_known_answers(counter, key, want):
    got = _philox(np.array(counter, dtype=np.uint64), np.array(key, dtype=np.uint64))
    assert [int(w) for w in got] == want
    assert reference.philox4x32(np.array(counter), key).tolist() == want     # the reference is right too


@pytest.mark.parametrize("N", [1, 2, 7, 1000])
def test_draws_are_box_muller_of_the_philox_uniforms(N):
    # the polynomials of snt._philox against numpy's log/cos/sin: |z| < 8.5, a few ulp of 8 is 1e-14
    _, seeds = trial_seeds(3, 2)
    keys = ph.trial_keys(seeds)
    out = np.empty((2, 5, N))
    ph.normal_block(keys, np.int64(2 ** 32 - 2), out)       # the counter's time word wraps inside the block
    for b in range(2):
        want = reference.counter_normals(keys[b], 2 ** 32 - 2 + np.arange(5), N)
        np.testing.assert_allclose(out[b], want, rtol=0, atol=1e-14)


def test_draws_are_standard_normal_and_independent():
    keys = np.array([[1, 2], [3, 4]], dtype=np.uint64)    # neighbouring keys
    T, N = 400, 2501
    z = np.empty((2, T, N))
    ph.normal_block(keys, np.int64(0), z)
    x = z.ravel()
    n = x.size                                             # 2e6 draws: 5 standard errors below
    assert abs(x.mean()) < 5 / np.sqrt(n)
    assert abs(x.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(stats.kurtosis(x)) < 5 * np.sqrt(24 / n)
    assert stats.kstest(x, "norm").pvalue > 1e-4
    tail = np.mean(np.abs(x) > 3)
    p3 = 2 * stats.norm.sf(3)
    assert abs(tail - p3) < 5 * np.sqrt(p3 / n)
    P = (N + 1) // 2
    pairs = [(z[0, :, :N - P], z[0, :, P:]),              # the cosine and sine of one counter
             (z[0, 1:], z[0, :-1]),                        # consecutive steps
             (z[0], z[1]),                                 # two trials
             (z[0, :, 1:], z[0, :, :-1])]                  # neighbouring neurons
    for a, b in pairs:
        r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
        assert abs(r) < 5 / np.sqrt(a.size), r
    # squares of the cosine/sine pair are uncorrelated too (Box-Muller pairs are independent, not just
    # uncorrelated)
    a, b = pairs[0]
    assert abs(np.corrcoef(a.ravel() ** 2, b.ravel() ** 2)[0, 1]) < 5 / np.sqrt(a.size)


def _white(N=9, sigma=1.0):
    """u(t+1) = sigma B(t): the recorded states are the draws themselves."""
    return snt.Network(np.zeros((N, N)), g=1.0, gamma=0.0, sigma=sigma)


def test_engine_draws_in_the_step_exactly_the_counter_draws(monkeypatch):
    net = _white()
    T, B = 12, 3
    _, seeds = trial_seeds(4, B)
    want = np.empty((B, T, net.N))
    ph.normal_block(ph.trial_keys(seeds), np.int64(0), want)
    base = snt.simulate(net, T, trials=B, seed=4, record="u")
    np.testing.assert_array_equal(base.u.values[:, 1:], want[:, :-1])
    np.testing.assert_array_equal(base.u_final.values, want[:, -1])
    assert base.attrs["parameters"].count('"noise_stream": 2') == 1
    # the same bits in small chunks, at 1 and 2 threads, and for a trial run alone
    monkeypatch.setattr(dynamics_module, "CHUNK_ELEMENTS", 2 * B * net.N)
    for threads in (1, 2):
        ds = snt.simulate(net, T, trials=B, seed=4, record="u", threads=threads)
        np.testing.assert_array_equal(ds.u.values, base.u.values)
    alone = snt.simulate(net, T, trials=1, seed=[seeds[2]], record="u")
    np.testing.assert_array_equal(alone.u.values[0], base.u.values[2])


@pytest.mark.parametrize("stream", [1, 2])
def test_both_streams_match_the_reference_trajectory(stream):
    net = snt.Ensemble(N=30, J=1.0, g=0.8, gamma=0.5, sigma=0.3, theta_mean=0.1).sample(seed=0)
    steps = 40
    ds = snt.simulate(net, steps, trials=2, seed=8, noise_stream=stream)
    root = np.random.SeedSequence(8)
    for b in range(2):
        u0, noise = reference.trial_draws(child(root, b), net.N, steps, net.sigma, stream=stream)
        ref = reference.trajectory(net, u0, steps, noise=noise)
        np.testing.assert_allclose(ds.u.isel(trial=b).values, ref[:steps], rtol=0, atol=1e-12)
    other = snt.simulate(net, steps, trials=2, seed=8, noise_stream=3 - stream)
    np.testing.assert_array_equal(other.u.values[:, 0], ds.u.values[:, 0])       # same initial conditions
    assert np.abs(other.u.values[:, 1:] - ds.u.values[:, 1:]).min() > 0          # different noise


def test_response_and_lyapunov_use_the_same_draws_as_simulate():
    # the response's noise estimator takes the draws as an array, simulate computes them in the step: a
    # trial's trajectory is the same in both
    net = snt.Ensemble(N=20, J=1.0, g=1.2, gamma=0.4, sigma=0.2).sample(seed=1)
    sim = snt.simulate(net, 24, trials=2, seed=6, record="u")
    k = snt.response.kernel(net, 5, method="noise", trials=2, steps=24, transient=0, blocks=2, seed=6,
                            theory=False)
    np.testing.assert_array_equal(k.u_final.values, sim.u_final.values)
    ly = snt.max_lyapunov(net, 24, trials=2, seed=6, tangent_transient=2, blocks=2)
    np.testing.assert_array_equal(ly.u_final.values, sim.u_final.values)


@pytest.mark.parametrize("bad", [0, 3, 2.0, True, "2"])
def test_noise_stream_is_checked(bad):
    with pytest.raises(ValueError, match="noise_stream must be one of"):
        snt.simulate(_white(), 3, noise_stream=bad)
