"""The thread policy of the engine (snt._threads.ThreadPolicy) and the vectorised tanh of snt._kernels.

The policy is a speed choice that cannot change a result: every product is a set of BLAS calls of fixed
shapes on fixed column panels with one BLAS thread each, whatever the number of threads running them, and
the elementwise pass works row by row. The tests run each analysis with 1 thread, 2 threads and the
adaptive default and require the same bits, on a network wide enough (N = 500: two or more column panels, several
code paths of OpenBLAS) that a multithreaded gemm would differ (checked too, so the test can fail).
"""

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import snt
from snt import _kernels as kernels
from snt import _threads
from snt._threads import ThreadPolicy

RUNS = {
    "simulate": lambda net, **kw: snt.simulate(net, 40, trials=5, record=("u", "M"), seed=3, **kw),
    "simulate one trial": lambda net, **kw: snt.simulate(net, 40, trials=1, record=("u",), seed=3, **kw),
    "max_lyapunov": lambda net, **kw: snt.max_lyapunov(net, 40, tangent_transient=2, blocks=2, trials=3, seed=3,
                                                       **kw),
    "max_lyapunov one trial": lambda net, **kw: snt.max_lyapunov(net, 40, tangent_transient=2, blocks=2, seed=3,
                                                                 **kw),
    "lyapunov_spectrum": lambda net, **kw: snt.lyapunov_spectrum(net, 24, k=3, tangent_transient=2, blocks=2,
                                                                 qr_every=2, trials=2, seed=3, **kw),
    "kernel": lambda net, **kw: snt.response.kernel(net, 3, sources=[0], method=snt.response.METHODS, steps=12,
                                                    transient=2, blocks=2, probes=1, trials=2, theory=False,
                                                    seed=3, **kw),
}


@pytest.fixture(scope="module")
def net():
    return snt.Ensemble(N=500, J=1.0, g=2.0, gamma=0.2, sigma=0.1).sample(seed=2)


def _assert_same(a, b, name):
    for var in a.data_vars:
        np.testing.assert_array_equal(a[var].values, b[var].values, err_msg=f"{name}: {var}")


@pytest.mark.parametrize("name", sorted(RUNS))
@pytest.mark.parametrize("exact", [False, True])
def test_one_and_two_threads_and_the_policy_give_the_same_bits(net, name, exact):
    one = RUNS[name](net, threads=1, exact=exact)
    _assert_same(one, RUNS[name](net, threads=2, exact=exact), name)
    _assert_same(one, RUNS[name](net, threads="auto", exact=exact), name)


def test_a_multithreaded_gemm_would_change_the_bits_the_panels_keep():
    # the premise of the design: on this BLAS a 2-thread gemm of these shapes is not bit-identical to a
    # 1-thread one (if it were, the test above could not fail), while the panel product is.
    rng = np.random.default_rng(0)
    JT, F = rng.standard_normal((1000, 1000)), rng.standard_normal((8, 1000))
    out = {}
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            out[threads] = F @ JT
    if np.array_equal(out[1], out[2]):
        pytest.skip("this BLAS gives the same bits at 1 and 2 threads: the premise cannot be shown here")
    import numba
    panels = {}
    J = np.ascontiguousarray(JT.T)                                     # the product is F @ J.T
    with threadpool_limits(1, user_api="blas"):
        for threads in (1, 2):
            numba.set_num_threads(threads)
            H = np.empty_like(F)
            kernels.product(F, J, H, 0, kernels.panels(1000))
            panels[threads] = H
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(panels[1], panels[2])
    np.testing.assert_allclose(panels[1], out[1], rtol=0, atol=1e-11)    # and it is the product


@pytest.mark.parametrize("N", [7, 300, 1001, 2100])
def test_fast_product_of_every_row_count_is_the_product_and_thread_invariant(N):
    # rows 2..4 (2..FEW_ROWS up to FEW_ROWS_MAX_N) take the fused few-row kernel (blocks of 4, 2, 1 rows), 1 row
    # gemv, more rows gemm. Each is F @ J.T to rounding: the bound N eps max|F| max|J| is N/2 times tighter than
    # the worst case but far above the ~sqrt(N) eps errors of random data, while a wrong entry is O(1); and 1 or
    # 2 numba threads give the same bits
    import numba
    rng = np.random.default_rng(N)
    J = rng.standard_normal((N, N))
    try:
        for rows in list(range(1, kernels.FEW_ROWS + 3)) + [40]:
            F = rng.standard_normal((rows, N))
            out = {}
            with threadpool_limits(1, user_api="blas"):
                for threads in (1, 2):
                    numba.set_num_threads(threads)
                    out[threads] = np.full((rows, N), np.nan)
                    kernels.product(F, J, out[threads], 0, kernels.panels(N))
            np.testing.assert_array_equal(out[1], out[2], err_msg=f"rows={rows}")
            bound = N * np.finfo(float).eps * np.abs(F).max() * np.abs(J).max()
            assert np.abs(out[1] - F @ J.T).max() <= bound, rows
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def test_panels_cover_the_columns_on_multiples_of_8():
    for jobs in range(1, kernels.MAX_PANELS + 1):
        for N in (1, 7, 127, 128, 300, 500, 1000, 4000, 10001):
            nq = kernels.panels(N, jobs)
            edges = [kernels.panel_edge(N, q, nq) for q in range(nq + 1)]
            assert edges[0] == 0 and edges[-1] == N and all(b > a for a, b in zip(edges, edges[1:]))
            assert all(e % 8 == 0 for e in edges[:-1]) and 1 <= nq <= min(jobs, kernels.MAX_PANELS)
            assert nq == 1 or N // nq >= kernels.MIN_PANEL_WIDTH


@pytest.mark.parametrize("lanes", [0, kernels.EXACT_LANES])
def test_every_panel_count_gives_the_product_and_its_bits_do_not_depend_on_threads(lanes):
    # the panel count comes from the machine (PANEL_JOBS): each count a machine can choose is F @ J.T to
    # rounding (the bound of the row-count test above) and thread-invariant; fast (lanes = 0) and exact
    # (gemm calls of EXACT_LANES rows) products
    import numba
    rng = np.random.default_rng(5)
    N, rows = 1000, 16
    J, F = rng.standard_normal((N, N)), rng.standard_normal((rows, N))
    bound = N * np.finfo(float).eps * np.abs(F).max() * np.abs(J).max()
    try:
        with threadpool_limits(1, user_api="blas"):
            for jobs in range(1, kernels.MAX_PANELS + 1):
                out = {}
                for threads in (1, 2):
                    numba.set_num_threads(threads)
                    out[threads] = np.full((rows, N), np.nan)
                    kernels.product(F, J, out[threads], lanes, kernels.panels(N, jobs))
                np.testing.assert_array_equal(out[1], out[2], err_msg=f"jobs={jobs}")
                assert np.abs(out[1] - F @ J.T).max() <= bound, jobs
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def test_the_panel_count_is_read_from_the_environment(monkeypatch):
    from snt._kernels import _panel_jobs
    monkeypatch.setenv("SNT_PANELS", "3")
    assert _panel_jobs() == 3
    for bad in ("0", "9", "two"):
        monkeypatch.setenv("SNT_PANELS", bad)
        with pytest.raises(ValueError, match="SNT_PANELS"):
            _panel_jobs()
    monkeypatch.delenv("SNT_PANELS")
    assert _panel_jobs() == max(2, min(kernels.MAX_PANELS, os.cpu_count() or 2))


class _Clock:
    """Feeds a policy pieces whose duration per step is given by the thread count."""

    def __init__(self, policy, per_step):
        self.policy, self.per_step = policy, per_step

    def run(self, steps):
        m = self.policy.piece(steps)
        self.policy.start()
        self.policy.done(m, m * self.per_step[self.policy.current])
        return m


def test_the_policy_keeps_the_faster_count_and_measures_again_when_it_slows(monkeypatch):
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    # 0.2 Gflop a step: probes of 1 step; no early round, guard or scout (tested below)
    policy = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=1e9, guard=1e9, scout=False)
    with policy:
        clock = _Clock(policy, {1: 1.0, 2: 0.6})
        # warm-up, then 1 thread, 2 threads, three times in alternation (judged by the median)
        assert [clock.run(100) for _ in range(7)] == [1] * 7
        assert [c for c, _, _ in policy.history[1:]] == [1, 2, 1, 2, 1, 2]
        assert policy.current == 2 and policy.timings == {1: 1.0, 2: 0.6}
        assert clock.run(100) == 100                                   # then whole pieces at the faster
        clock.per_step = {1: 1.0, 2: 1.5}                              # another process took a core
        clock.run(100)
        assert [clock.run(100) for _ in range(6)] == [1] * 6             # measured again at once
        assert policy.current == 1 and clock.run(100) == 100


def test_a_collapsing_count_ends_the_round_at_one_thread(monkeypatch):
    # 2 threads on a shared core: 10x slower than 1 thread. One probe at 2 threads tells, and the rest of
    # the round (two more probes at that cost) is skipped; a count only 2.5x slower is timed in full.
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    for slow, probes in ((10.0, [1, 2]), (2.5, [1, 2, 1, 2, 1, 2])):
        policy = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=1e9, guard=1e9, scout=False)
        with policy:
            clock = _Clock(policy, {1: 1.0, 2: slow})
            runs = [clock.run(100) for _ in range(1 + len(probes))]
            assert runs == [1] * (1 + len(probes))                       # warm-up and probes of one step
            assert [c for c, _, _ in policy.history[1:]] == probes
            assert policy.current == 1 and clock.run(100) == 100          # then whole pieces at one thread


def test_a_round_scouts_more_threads_with_one_step(monkeypatch):
    # on a shared core every step at 2 threads may wait for the other process's time slice (measured: a
    # 16-step probe 25-35x the one-thread time); the first 2-thread piece of a round is one step, so that a
    # collapse costs one step; a count that does not collapse is then timed as usual, the scout left out
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    policy = ThreadPolicy("auto", step_flops=2e7, recheck=1e9, first_recheck=1e9, guard=1e9)   # probes: 2 steps
    with policy:
        clock = _Clock(policy, {1: 0.01, 2: 0.3})
        assert [clock.run(100) for _ in range(3)] == [2, 2, 1]        # warm-up, 1 thread, the 2-thread scout
        assert [c for c, _, _ in policy.history] == [1, 1, 2] and policy.current == 1
        assert not policy._queue and clock.run(100) == 100             # collapsed: whole pieces at one thread
    policy = ThreadPolicy("auto", step_flops=2e7, recheck=1e9, first_recheck=1e9, guard=1e9)
    with policy:
        clock = _Clock(policy, {1: 0.01, 2: 0.006})
        runs = [clock.run(100) for _ in range(8)]
        assert runs == [2, 2, 1, 2, 2, 2, 2, 2]                        # the scout, then the usual probes
        assert [c for c, _, _ in policy.history[1:]] == [1, 2, 2, 1, 2, 1, 2]
        assert policy.timings == {1: 0.01, 2: 0.006} and policy.current == 2
    # a scout shorter than LATENCY is not judged (waking threads costs a short piece a fixed time): 1 ms, 5x
    # one thread, is followed by the probe, which shows the collapse
    policy = ThreadPolicy("auto", step_flops=2e5, recheck=1e9, first_recheck=1e9, guard=1e9)
    with policy:
        clock = _Clock(policy, {1: 2e-4, 2: 1e-3})
        runs = [clock.run(1000) for _ in range(4)]
        assert runs == [200, 100, 1, 100] and [c for c, _, _ in policy.history] == [1, 1, 2, 2]
        assert policy.current == 1 and not policy._queue


def test_the_probes_are_sized_from_the_measured_steps(monkeypatch):
    # a memory-bound run (few flops a step) must not spend whole chunks at the slower count while probing
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    # the flops guess: 40000 steps
    policy = ThreadPolicy("auto", step_flops=1e3, probe_seconds=0.02, first_recheck=1e9, scout=False)
    with policy:
        clock = _Clock(policy, {1: 1e-4, 2: 2e-4})
        assert clock.run(1000) == 1000                                   # warm-up: a whole piece
        assert [clock.run(1000) for _ in range(6)] == [200] * 6           # 0.02 s at 1e-4 s a step
        assert policy.current == 1
        policy._queue = [1, 2] * policy.rounds                           # a recheck
        clock.per_step = {1: 1e-5, 2: 2e-5}
        assert [clock.run(1000) for _ in range(6)] == [200] * 6
        assert policy.probe_steps == 2000                                 # sized again at the new speed


def test_a_first_round_that_keeps_one_thread_is_taken_again_early(monkeypatch):
    # the first round may see another library's BLAS threads still spinning: if it keeps one thread it is
    # taken again after first_recheck seconds of run time; the later rounds come every recheck seconds
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    policy = ThreadPolicy("auto", step_flops=2e8, recheck=10.0, first_recheck=1.0, guard=1e9, scout=False)
    with policy:
        clock = _Clock(policy, {1: 0.1, 2: 0.2})                      # probes of 1 step
        assert [clock.run(3) for _ in range(7)] == [1] * 7              # warm-up and the first round
        assert policy.current == 1
        clock.per_step = {1: 0.1, 2: 0.05}                             # the spinning threads went to sleep
        assert [clock.run(3) for _ in range(4)] == [3, 3, 3, 1]         # pieces end when the round is due (1 s)
        assert [clock.run(3) for _ in range(6)] == [1] * 6
        assert policy.current == 2
        runs = [clock.run(20) for _ in range(10)]                     # 20 steps of 0.05 s a piece
        assert runs == [20] * 10 and [c for c, _, _ in policy.history[-10:]] == [2] * 10
        assert clock.run(20) == 1                                      # 10 s: the third round
    # while one thread stays faster the re-examinations come after 1, 2, 4, 8 s, then every 10 s
    policy = ThreadPolicy("auto", step_flops=2e8, recheck=10.0, first_recheck=1.0, guard=1e9, scout=False)
    with policy:
        clock = _Clock(policy, {1: 0.1, 2: 0.2})
        intervals = []
        for _ in range(400):
            clock.run(3)
            if not policy._queue and (not intervals or intervals[-1] != policy._interval):
                intervals.append(policy._interval)
        assert intervals == [1.0, 2.0, 4.0, 8.0, 10.0]
    # a first round that keeps two threads waits the whole recheck
    policy = ThreadPolicy("auto", step_flops=2e8, recheck=10.0, first_recheck=1.0, guard=1e9, scout=False)
    with policy:
        clock = _Clock(policy, {1: 0.1, 2: 0.05})
        assert [clock.run(3) for _ in range(7)] == [1] * 7 and policy.current == 2
        assert [clock.run(20) for _ in range(10)] == [20] * 10          # 10 s at 2 threads, no round


def test_pieces_at_more_threads_last_at_most_the_guard(monkeypatch):
    # a collapse of the chosen count on a shared core is seen when its piece ends: the pieces at more than
    # one thread are kept to about guard seconds, those at one thread are whole
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    for per_step, chosen, expect in (({1: 1e-3, 2: 5e-4}, 2, 100), ({1: 1e-3, 2: 2e-3}, 1, 1000)):
        policy = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=1e9, guard=0.05, scout=False)
        with policy:
            clock = _Clock(policy, per_step)
            [clock.run(1000) for _ in range(7)]
            assert policy.current == chosen and clock.run(1000) == expect
    slow = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=1e9, guard=0.05, scout=False)
    with slow:
        clock = _Clock(slow, {1: 1e-3, 2: 5e-4})
        [clock.run(1000) for _ in range(7)]
        clock.per_step = {1: 1e-3, 2: 5e-3}                            # the other process took a core
        assert clock.run(1000) == 100                                 # 0.5 s at the collapsed count, not 5 s
        assert clock.run(1000) == 40 and slow.history[-1][0] == 1     # a new round: 0.02 s probes


def test_more_threads_slower_than_one_thread_measured_start_a_round(monkeypatch):
    # a marginal choice of 2 threads (5 % faster in the probes) whose pieces then run 7 % slower than one
    # thread was measured: another process took a core, so the round is taken again (the 1.5x rule would
    # wait for a 43 % slowdown)
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    policy = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=1e9, guard=1e9, scout=False)
    with policy:
        clock = _Clock(policy, {1: 1.0, 2: 0.95})
        [clock.run(100) for _ in range(7)]
        assert policy.current == 2 and clock.run(100) == 100
        clock.per_step = {1: 1.0, 2: 0.99}
        assert clock.run(100) == 100                                   # still faster than one thread
        clock.per_step = {1: 1.0, 2: 1.07}
        assert clock.run(100) == 100 and clock.run(100) == 1           # slower: a new round of probes
        assert policy.history[-1][0] == 1


def test_a_short_run_spends_at_most_a_tenth_of_its_steps_probing(monkeypatch):
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    policy = ThreadPolicy("auto", step_flops=1e3, total_steps=6000, scout=False)
    with policy:
        clock = _Clock(policy, {1: 1e-6, 2: 2e-6})                   # 0.02 s would be 20000 steps
        assert clock.run(1000) == 100                                  # 6000 / (10 * 3 rounds * 2 counts)
        probing = [clock.run(1000) for _ in range(6)]
        assert probing == [100] * 6 and sum(probing) <= 6000 / 10
        assert clock.run(1000) == 1000


def test_the_policy_judges_by_the_median_of_alternating_pieces(monkeypatch):
    # one lucky 2-thread piece (the other process descheduled) must not make 2 threads the choice
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    policy = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=1e9, guard=1e9, scout=False)
    with policy:
        durations = iter([1.0, 1.0, 0.3, 1.0, 3.0, 1.0, 3.0])         # warm-up, then 1, 2, 1, 2, 1, 2
        for _ in range(7):
            m = policy.piece(100)
            policy.start()
            policy.done(m, m * next(durations))
        assert policy.timings == {1: 1.0, 2: 3.0} and policy.current == 1


def test_the_policy_respects_a_fixed_count_and_dask_workers(monkeypatch):
    fixed = ThreadPolicy(3, step_flops=1e6)
    assert fixed.candidates == [3] and not fixed.adaptive and fixed.piece(50) == 50
    monkeypatch.setattr(_threads, "in_dask_worker", lambda: True)
    assert _threads.available_threads() == 1
    assert ThreadPolicy("auto", step_flops=1e6).candidates == [1]
    with pytest.raises(ValueError, match="threads"):
        ThreadPolicy("all", step_flops=1.0)
    with pytest.raises(ValueError, match="threads"):
        snt.simulate(snt.Ensemble(N=5, J=1.0).sample(seed=1), 3, threads=0)


def test_the_policy_restores_numba_threads_and_blas_limits():
    import numba
    from threadpoolctl import threadpool_info
    before = numba.get_num_threads(), [i["num_threads"] for i in threadpool_info()]
    net = snt.Ensemble(N=200, J=1.0, g=2.0).sample(seed=1)
    snt.simulate(net, 30, trials=2, seed=1, threads=2)
    assert (numba.get_num_threads(), [i["num_threads"] for i in threadpool_info()]) == before


def test_vectorised_tanh_is_within_4_ulp_of_numpy():
    grid = np.concatenate([np.linspace(-25, 25, 400_001), np.geomspace(1e-300, 30, 200_001),
                           -np.geomspace(1e-300, 30, 20_001), [0.0, -0.0, np.inf, -np.inf, 1e308]])
    ref = np.tanh(grid)
    got = kernels.apply_transfer(grid, 1.0, kernels.TANH)
    ulp = np.spacing(np.abs(ref))
    assert np.all(np.abs(got - ref) <= 4 * ulp)
    assert np.all(np.signbit(got) == np.signbit(ref))                 # odd, -0.0 included
    slope = kernels.apply_slope(grid[:1000], 2.0, kernels.TANH)
    np.testing.assert_allclose(slope, 2.0 * (1 - np.tanh(2.0 * grid[:1000]) ** 2), rtol=0, atol=4e-15)
    assert np.isnan(kernels.apply_transfer(np.array([np.nan]), 1.0, kernels.TANH)[0])


@pytest.mark.parametrize("pieces, horizon, workers, ahead", [
    ([40], 40, 1, 0), ([3, 5, 16, 16], 40, 2, 1), ([1] * 40, 40, 3, 2), ([10, 10, 20], 0, 2, 1),
    ([13, 27], 20, 1, 1), ([2, 38], 40, 2, 2), ([20, 5, 15], 40, 2, 1), ([5, 30, 5], 35, 1, 1)])
def test_noise_drawn_in_parallel_and_ahead_is_each_trials_own_stream_in_order(pieces, horizon, workers, ahead):
    from snt._noise import NoiseSource
    B, N = 5, 7
    seeds = np.random.SeedSequence(1).spawn(B)
    want = np.stack([np.random.default_rng(s).standard_normal(40 * N + 1) for s in seeds])
    rngs = [np.random.default_rng(s) for s in seeds]
    source = NoiseSource(rngs, N, horizon)
    got = [source.take(p, workers, ahead) for p in pieces]
    assert all(g.flags.c_contiguous and g.shape == (B, p, N) for g, p in zip(got, pieces))
    np.testing.assert_array_equal(np.concatenate(got, axis=1), want[:, :-1].reshape(B, 40, N))
    # nothing drawn past the horizon (when it covers the run): the streams stand where the run stopped
    if horizon >= sum(pieces):
        assert [r.standard_normal() for r in rngs] == want[:, -1].tolist()


def test_a_run_like_a_recent_one_starts_at_its_choice_until_a_round_is_due(monkeypatch):
    # a loop of short runs: the second run of the same key starts at the first one's choice (no probes) and
    # still watches its pieces; once ``memory`` seconds of wall clock have passed since that round, or for
    # another key, or without a key, a run probes from the start
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    monkeypatch.setattr(_threads, "_RECENT", {})
    now = [100.0]
    monkeypatch.setattr(_threads.time, "monotonic", lambda: now[0])
    speeds = {1: 0.01, 2: 0.006}

    def run(key, per_step=speeds, pieces=8, steps=False):
        policy = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=0.02, guard=1e9, scout=False,
                              key=key, memory=5.0)
        with policy:
            clock = _Clock(policy, per_step)
            for _ in range(pieces):
                clock.run(3)
        return [c for c, _, _ in policy.history] if not steps else [m for _, m, _ in policy.history]

    first = run("a")
    assert first[:7] == [1, 1, 2, 1, 2, 1, 2]                          # warm-up and a round of probes
    now[0] += 1.0
    assert run("a") == [2] * 8                                         # the choice of the round, no probes
    assert run("b")[:7] == first[:7]                                   # another key probes
    assert run(None)[:7] == first[:7]                                  # no key, no memory
    assert run("a", per_step={1: 0.01, 2: 0.015})[:3] == [2, 1, 2]        # a slow piece starts a round at once
    # that round kept one thread, a choice that is not reused: the next run probes from its start
    assert run("a", per_step={1: 0.01, 2: 0.015})[:7] == first[:7]
    assert run("a", per_step={1: 0.01, 2: 0.015}, steps=True)[0] == 1          # the one-step warm-up
    assert run("a", steps=True)[0] == 1 and run("a") == [2] * 8              # a new round, reused
    now[0] += 5.0
    assert run("a")[:7] == first[:7]                                   # the memory is too old: probes again


def test_a_count_whose_pieces_come_and_go_is_not_kept(monkeypatch):
    # on a shared core the 2-thread pieces of a round can be fast and slow in turn: their median beats one
    # thread but one of them does not, and one thread is kept; steady 2-thread pieces are kept
    monkeypatch.setattr(_threads, "available_threads", lambda: 2)
    for twos, kept in (([0.5, 1.4, 0.5], 1), ([0.5, 0.6, 0.55], 2)):
        policy = ThreadPolicy("auto", step_flops=2e8, recheck=1e9, first_recheck=1e9, guard=1e9, scout=False)
        with policy:
            seq = iter(twos)

            class Clock(_Clock):
                def run(self, steps):
                    m = self.policy.piece(steps)
                    self.policy.start()
                    per = next(seq) if (self.policy.current == 2 and self.policy._queue) else 1.0
                    self.policy.done(m, m * per)
                    return m
            clock = Clock(policy, None)
            for _ in range(7):
                clock.run(100)
            assert policy.timings[2] == sorted(twos)[1]
            assert policy.current == kept, twos
