r"""Noise stream 1 of the engine (``noise_stream=1``; the default stream 2 is :mod:`snt._philox`): standard normal
draws :math:`B_b(t)` of each trial from its PCG64 generator, N per step, handed out in order.

Trial b's draws come from its own generator and only from it, one step after the other, whatever the pieces
they are handed out in: a run's noise is the same bits however it is cut into chunks and however many
threads draw it. The draws are made

* in parallel over the trials: numpy's generators release the GIL while they fill an array, so the trials
  split into groups drawn by a small pool of threads (each generator used by one thread at a time, in
  order), and
* ahead of time: while the engine runs a chunk, the next block of steps is drawn on the threads the engine
  does not use (``ahead``), so on a core the product leaves free the noise costs nothing.

Nothing is drawn past ``horizon`` steps (the length of the run): after a run the generators stand where
the run stopped, as if each step had drawn its own.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

_POOL: list = []


def _pool():
    """The shared pool of drawing threads (created on first use, as many threads as CPUs)."""
    if not _POOL:
        import os
        _POOL.append(ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="snt-noise"))
    return _POOL[0]


def _fill(rngs, out, lo, hi, k):
    """Steps k.. of ``out`` (B, n, N) for trials lo..hi-1, each from its own generator."""
    for b in range(lo, hi):
        rngs[b].standard_normal(out=out[b, k:])


def _groups(B, workers):
    """Contiguous trial groups [lo, hi) for ``workers`` threads."""
    w = max(1, min(int(workers), B))
    edges = [B * i // w for i in range(w + 1)]
    return [(edges[i], edges[i + 1]) for i in range(w)]


def _submit(rngs, out, k, workers):
    return [_pool().submit(_fill, rngs, out, lo, hi, k) for lo, hi in _groups(len(rngs), workers)]


def _wait(futures):
    for f in futures:
        f.result()                       # re-raises what a drawing thread raised


class NoiseSource:
    """Standard normal draws of B trials, N per step, handed out in order by :meth:`take`.

    Parameters
    ----------
    rngs : list of numpy Generators
        One per trial (trial b draws ``steps * N`` values in C order for ``steps`` steps).
    N : int
        Draws per step and trial.
    horizon : int
        Steps the run will take: nothing is drawn ahead beyond (0 or less: draw only what is asked).
    """

    def __init__(self, rngs, N, horizon):
        self.rngs, self.N = list(rngs), int(N)
        self.horizon = int(horizon)
        self.drawn = 0                   # steps drawn or being drawn
        self.ahead = None                # (out, futures, start): steps drawn ahead, from ``start`` on

    def take(self, n, workers=1, ahead=0):
        """The next ``n`` steps, (B, n, N) C-contiguous.

        Steps drawn ahead are used first; the missing ones are drawn now by ``workers`` threads. Then, with
        ``ahead >= 1``, the next ``n`` steps (the next piece is most often as long as this one) are started
        on ``ahead`` threads: they are drawn while the caller computes. At most one block is drawn ahead,
        and every draw waits for the one before it, so each generator draws its steps in order."""
        n = int(n)
        B = len(self.rngs)
        k = 0
        if self.ahead is not None:
            block, futures, start = self.ahead
            _wait(futures)
            left = block.shape[1] - start
            if start == 0 and left == n:                     # the usual case: the whole block, no copy
                self.ahead = None
                out = block
                k = n
            else:
                out = np.empty((B, n, self.N))
                k = min(n, left)
                out[:, :k] = block[:, start:start + k]
                self.ahead = (block, [], start + k) if k < left else None
            block = None                                     # a used-up block is freed before the next one
        else:
            out = np.empty((B, n, self.N))
        if k < n:                                            # drawn now, straight into out
            groups = _groups(B, workers)
            if len(groups) == 1:
                _fill(self.rngs, out, 0, B, k)
            else:
                _wait(_submit(self.rngs, out, k, workers))
            self.drawn += n - k
        steps = min(n, self.horizon - self.drawn)
        if ahead >= 1 and self.ahead is None and steps > 0:
            block = np.empty((B, steps, self.N))
            self.ahead = (block, _submit(self.rngs, block, 0, ahead), 0)
            self.drawn += steps
        return out
