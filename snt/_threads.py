"""Thread policy for the kernels.

numpy and scipy each load an OpenBLAS with its own thread pool, and the numba kernels call scipy's. On 2
cores a multithreaded gemm gains at most 2x on a quiet machine, but when the cores are shared (another
process, dask workers one per core, a notebook next to a sweep) its threads wait for each other and a step
was measured 10x slower than with one thread; a multithreaded gemm also rounds differently from a
one-thread gemm of the same shape. So the engine limits both BLAS pools to one thread for the duration of a
run and gets its parallelism from numba threads running fixed one-thread BLAS calls (column panels) and the
trials' elementwise passes; :class:`ThreadPolicy` chooses how many, as the run goes (``threads="auto"``), or
takes the user's count. ``threads=None`` leaves the pools and numba's threads as they are.
"""

import math
import os
import statistics
import sys
import time

import scipy.linalg.cython_blas  # noqa: F401 - load the BLAS that numba calls, so that threadpoolctl sees it
from threadpoolctl import ThreadpoolController

from ._checks import check_int

_CONTROLLER: list = []

#: The last round of timings of each kind of run (``ThreadPolicy(key=...)``): key -> (time.monotonic() at the
#: end of the round, timings, chosen count).
_RECENT: dict = {}


class _NoLimit:
    def restore_original_limits(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def check_threads(threads):
    """``None`` or an int >= 1."""
    return None if threads is None else check_int(threads, "threads", minimum=1)


def blas_limit(threads):
    """Limit the BLAS pools to ``threads`` (None: no change) until ``restore_original_limits()`` or the end of
    a ``with`` block. The libraries are scanned once, so a limit costs microseconds, not milliseconds."""
    if threads is None:
        return _NoLimit()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=threads, user_api="blas")



def check_thread_policy(threads):
    """``"auto"``, ``None`` or an int >= 1 (the ``threads`` argument of the time-stepping analyses)."""
    if isinstance(threads, str):
        if threads != "auto":
            raise ValueError(f"threads must be 'auto', None or an int >= 1, got {threads!r}")
        return threads
    return check_threads(threads)


def in_dask_worker():
    """True inside a ``distributed`` worker (without importing distributed when it is not loaded)."""
    if "distributed" not in sys.modules:
        return False
    try:
        sys.modules["distributed"].get_worker()
    except (ValueError, AttributeError):
        return False
    return True


def available_threads():
    """Threads a run may use: the CPUs this process may run on, capped by numba's thread limit (the
    ``NUMBA_NUM_THREADS`` setting and ``numba.set_num_threads`` of the calling thread); 1 inside a dask
    worker, whose cores belong to the other workers' tasks."""
    import numba

    if in_dask_worker():
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, numba.get_num_threads()))


class ThreadPolicy:
    """How many threads run the column panels and trial rows of the engine's steps (``snt.dynamics``).

    The products are cut into BLAS calls of fixed shapes with one BLAS thread each (``snt._kernels.product``)
    and the elementwise pass works row by row, so the thread count cannot change a bit of any result: it
    is a pure speed choice, which this policy makes as the run goes.

    ``threads="auto"``: time a short piece at 1 thread and one at :func:`available_threads`, keep the faster
    (more threads only if each of their pieces beat one thread's median),
    and measure again every ``recheck`` seconds of run time, or at once when a piece runs more than 1.5x
    slower than the chosen count measured, or, at more than one thread, slower than one thread measured
    (another process took a core). A round that keeps one thread is taken again after ``first_recheck``
    seconds, then after twice as long, and so on up to ``recheck``: it may have seen the cores in a
    passing state, as a library that has just run a multithreaded BLAS leaves its threads spinning on the
    cores for a while (OpenBLAS: 2^28 cycles, about 0.1 s). A 300-step run (N = 1000, 64 trials) started
    right after numpy's threaded ``@`` kept one thread to its end, taking 1.7 s where two threads took
    0.95 s (two runs of three); its 2-thread probes were slow for 0.05-0.1 s after the ``@``, once still at
    0.1 s. A round of timings ends early, at one thread, when a piece at more threads runs more than
    :attr:`COLLAPSE` times slower than every one-thread piece of the round: on a shared core that is the
    collapse the policy exists to avoid, and probing it further would cost a short run more than it could
    gain; the first piece at more threads of a round is one step, so that finding a collapse costs one
    step (measured loaded: a 16-step 2-thread probe of one trajectory took 72-118 ms, 25-35 times the
    one-thread time, each step waiting for the other process's time slice). An int fixes the count (the
    user's limit); None leaves the BLAS pools and numba's threads as they are.

    Parameters
    ----------
    threads : "auto", int or None
    step_flops : float
        Floating-point operations of one step (a first guess of the timed pieces' length; then they are sized
        from the measured steps to about ``probe_seconds``).
    total_steps : int
        Steps of the whole run, when known (0: unknown): one round of probes then takes at most a tenth of
        them, so that a short run is not spent probing.
    recheck, first_recheck : float
        Seconds of run time between rounds of timings, and before the first re-examination of a round that
        kept one thread (doubled at each such round, up to ``recheck``).
    guard : float
        Longest piece, in seconds at the measured speed, run at a chosen count above one thread. On a core
        shared with another process the speed of more threads comes and goes (measured, N = 1000, one
        trajectory: 2-thread probes at 0.6-1.2 times the one-thread time, then whole chunks 1.2 and 1.9
        times slower), and a collapse is seen only when its piece ends; a piece costs about 40 us of Python.
    scout : bool
        Begin each count above one of a round with a one-step piece (see above).
    key : hashable, optional
        What makes two runs alike for the timings (the engine passes the step's shape and whether it draws
        noise). A run whose key had a round of timings less than ``memory`` seconds ago (wall clock) starts
        at that round's choice with its timings, so that a loop of short runs (a sweep, a notebook cell run
        again) is not spent probing each time: N = 4000, 16 trials, 15 steps took 0.16 s against 0.24 s
        with a round of probes. The checks of every piece hold from the first one (a piece at more threads
        slower than one thread starts a round). A choice of one thread is not reused (the run probes), so
        that a passing state cannot hold a run at one thread. None: no memory.
    memory : float
        Seconds (wall clock) a round of timings is reused by the runs of its key.
    """

    #: A piece at more than one thread slower than this many times the slowest one-thread piece of the round
    #: ends the round: that count collapses (its threads share a busy core), one thread is kept.
    COLLAPSE = 3.0

    #: ... and lasts more than this many seconds: waking sleeping threads costs a piece a fixed time (measured
    #: on a 2-core VM: 0.4-1.5 ms for a one-step piece of 0.1 ms of work), waiting for another process's time
    #: slice costs 4-25 ms a step.
    LATENCY = 3e-3

    def __init__(self, threads, step_flops, recheck=2.0, probe_seconds=0.02, rounds=3, total_steps=0,
                 first_recheck=0.1, guard=0.05, scout=True, key=None, memory=10.0):
        self.threads = check_thread_policy(threads)
        if self.threads == "auto":
            top = available_threads()
            self.candidates = [1, top] if top > 1 else [1]
        elif self.threads is None:
            self.candidates = []
        else:
            self.candidates = [self.threads]
        # first guess from the flops (2 Gflop/s, slow on purpose), then from the measured steps (done())
        self.probe_seconds = probe_seconds
        self.probe_steps = max(1, int(probe_seconds * 2e9 / max(step_flops, 1.0)))
        # a short run spends at most a tenth of its steps in one round of probes (at the slower count too)
        self.most_steps = max(1, int(total_steps) // (10 * rounds * max(1, len(self.candidates)))) \
            if total_steps > 0 else None
        if self.most_steps is not None:
            self.probe_steps = min(self.probe_steps, self.most_steps)
        self.recheck = recheck
        self.guard = guard
        self.scout = bool(scout)
        self._early = first_recheck      # wait before re-examining a choice of one thread (doubles)
        self._interval = recheck         # run time before the next round of timings
        # each count is timed ``rounds`` times, alternating with the others, and judged by the median: on a
        # shared core one piece may run while the other process is descheduled and look faster than it is
        self.rounds = rounds
        self._samples = {}
        self.current = self.candidates[0] if self.candidates else None
        self.timings = {}
        self._queue = []                 # thread counts still to time
        self._scouts = set()             # counts of the round still to scout (see _new_round)
        self._warm = False
        self._since = 0.0
        self._limit = None
        self._numba = None
        self.history = []                # (threads, steps, seconds) of every piece
        self._pace = {}                  # seconds a step of the last piece at each count, since the round
        self.key = None if key is None or not self.adaptive else (key, tuple(self.candidates))
        recent = _RECENT.get(self.key) if self.key is not None else None
        # a remembered choice of one thread is not reused: it may come from a passing state (see above), and
        # would hold the run at one thread until the first re-examination
        if recent is not None and recent[2] > 1 and 0.0 <= time.monotonic() - recent[0] < memory:
            _, timings, self.current = recent
            self.timings = dict(timings)
            self.probe_steps = self._steps_for(self.timings[self.current])     # capped for a short run
            self._warm = True

    def _steps_for(self, per_step, most=None):
        """Steps lasting about ``probe_seconds`` at ``per_step`` seconds a step (at least 1, at most ``most``)."""
        steps = max(1, round(self.probe_seconds / max(per_step, 1e-9)))
        for cap in (most, self.most_steps):
            steps = steps if cap is None else min(cap, steps)
        return steps

    @property
    def adaptive(self):
        return len(self.candidates) > 1

    def __enter__(self):
        if self.threads is not None:
            import numba

            self._numba = numba.get_num_threads()
            self._limit = blas_limit(1)
        return self

    def __exit__(self, *exc):
        if self._limit is not None:
            self._limit.restore_original_limits()
            self._limit = None
        if self._numba is not None:
            import numba

            numba.set_num_threads(self._numba)
            self._numba = None
        return False

    def drawing(self):
        """Threads drawing the noise of the next piece (``snt._noise``): ``(now, ahead)``, all the threads
        the policy may use for the draws the piece waits for, and those its steps leave free for the next
        piece's draws (made while the steps run). ``threads=None``: ``(1, 0)``, the calling thread."""
        if self.current is None:
            return 1, 0
        cap = max(self.candidates)
        return cap, max(0, cap - self.current)

    def piece(self, steps):
        """Steps of the next piece (at most ``steps``): one for a scout, short while the policy is timing a
        thread count, otherwise up to the next round of timings and at most about ``guard`` seconds at a
        chosen count above one."""
        if self.adaptive and self._queue and self._queue[0] in self._scouts:
            return min(steps, 1)
        if self.adaptive and (not self._warm or self._queue):
            return min(steps, self.probe_steps)
        if self.adaptive:
            # no further than the next round of timings, and at most the guard at more than one thread
            per_step = max(self._pace.get(self.current, self.timings[self.current]), 1e-9)
            most = max(0.0, self._interval - self._since)
            if self.current > 1:
                most = min(most, self.guard)
            return min(steps, max(1, math.ceil(most / per_step)))
        return steps

    def start(self):
        """Set the thread count of the next piece."""
        if self._queue:
            self.current = self._queue[0]
        if self.current is not None:
            import numba

            numba.set_num_threads(self.current)

    def done(self, steps, seconds):
        """Record a finished piece of ``steps`` steps that took ``seconds``."""
        self.history.append((self.current, steps, seconds))
        if not self.adaptive:
            return
        per_step = seconds / max(steps, 1)
        if not self._warm:               # the first piece loads the compiled kernels: not a timing, but
            self._warm = True            # an upper bound of a step's time (the probes only get shorter)
            self.probe_steps = self._steps_for(per_step, most=self.probe_steps)
            self._new_round()
            return
        if self._queue:
            count = self._queue[0]
            ones = self._samples.get(1)
            collapsed = bool(count != 1 and ones and per_step > self.COLLAPSE * max(ones)
                             and seconds > self.LATENCY)
            if count in self._scouts:
                self._scouts.discard(count)
                if not collapsed:        # a step to look, not a timing: the probes of this count follow
                    return
            self._queue.pop(0)
            self._samples.setdefault(count, []).append(per_step)
            if collapsed:
                # the threads of this count wait for a core another process holds (measured: 4-35x slower
                # than one thread): the rest of the round would be spent at that cost, for the same choice
                self._queue = []
            if not self._queue:
                self.timings = {c: statistics.median(v) for c, v in self._samples.items()}
                # a count above one is kept only if every one of its pieces beat one thread's median: on a
                # core shared with another process its speed comes and goes (measured, one trajectory, a
                # CPU-bound process on the other core: 2-thread pieces at 0.8 to 14 times the one-thread
                # step in one round), and a good median then precedes pieces 3 times slower
                one = self.timings.get(1)
                steady = [c for c in self.timings if c == 1 or one is None or max(self._samples[c]) < one]
                self._samples = {}
                self.current = min(steady, key=self.timings.get)
                # a round that kept one thread may have seen a passing state (see the class docstring): it
                # is taken again soon, then less and less soon; a wrong choice of more threads shows itself
                # in its next pieces
                self._interval = self.recheck
                if self.current == 1 and self._early < self.recheck:
                    self._interval = self._early
                    self._early *= 2
                self._since = 0.0
                # the next probes last about probe_seconds at the faster count (a piece of the flops guess
                # could be a whole chunk of a memory-bound run, spent at the slow count)
                self.probe_steps = self._steps_for(self.timings[self.current])
                if self.key is not None:
                    _RECENT[self.key] = (time.monotonic(), dict(self.timings), self.current)
            return
        self._since += seconds
        self._pace[self.current] = per_step     # the pieces' length follows the last one's speed
        # a piece at more threads slower than one thread was measured: the choice was marginal and a
        # process has taken a core (measured loaded: 2-thread probes within 5 % of one thread, then whole
        # pieces 7 % slower than one thread, then one collapsed)
        worse = self.current > 1 and per_step > self.timings[1]
        if self._since >= self._interval or per_step > 1.5 * self.timings[self.current] or worse:
            self._new_round()

    def _new_round(self):
        """Queue a round of timings: the counts in alternation, ``rounds`` times; each count above one is
        first run for a single step (a scout) after the first one-thread piece, so that a collapsed count
        costs one step, not a probe."""
        self._queue = list(self.candidates) * self.rounds
        self._pace = {}
        self._scouts = {c for c in self.candidates if c > 1} if self.scout else set()
