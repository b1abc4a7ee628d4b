r"""The noise of the engine: standard normal draws :math:`B_b(t)` of each trial, N per step, handed out in order.

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


def _fill(rngs, out, lo, hi):
    for b in range(lo, hi):
        rngs[b].standard_normal(out=out[b])


def _groups(B, workers):
    """Contiguous trial groups [lo, hi) for ``workers`` threads."""
    w = max(1, min(int(workers), B))
    edges = [B * i // w for i in range(w + 1)]
    return [(edges[i], edges[i + 1]) for i in range(w)]


class _Block:
    """``steps`` steps of noise of every trial, (B, steps, N), drawn now or being drawn (``futures``)."""

    def __init__(self, rngs, N, steps, workers, now):
        self.out = np.empty((len(rngs), steps, N))
        self.start = 0                   # first step not handed out yet
        groups = _groups(len(rngs), workers)
        if now and len(groups) == 1:     # in the calling thread
            _fill(rngs, self.out, 0, len(rngs))
            self.futures = []
        else:
            self.futures = [_pool().submit(_fill, rngs, self.out, lo, hi) for lo, hi in groups]
            if now:
                self.wait()

    @property
    def left(self):
        return self.out.shape[1] - self.start

    def wait(self):
        for f in self.futures:
            f.result()                   # re-raises what a drawing thread raised
        self.futures = []
        return self.out


class NoiseSource:
    """Standard normal draws of B trials, N per step, handed out in order by :meth:`take`.

    Parameters
    ----------
    rngs : list of numpy Generators
        One per trial (trial b draws ``steps * N`` values in C order for ``steps`` steps).
    N : int
        Draws per step and trial.
    block : int
        Steps drawn at once (ahead of time).
    horizon : int
        Steps the run will take: nothing is drawn beyond (0 or less: draw only what is asked).
    """

    def __init__(self, rngs, N, block, horizon):
        self.rngs, self.N = list(rngs), int(N)
        self.block = max(1, int(block))
        self.horizon = int(horizon)
        self.drawn = 0                   # steps drawn or being drawn
        self.queue = []                  # _Block objects in stream order

    def _buffered(self):
        return sum(b.left for b in self.queue)

    def _draw(self, steps, workers, now):
        for blk in self.queue:           # a generator draws one block after the other: the stream's order
            blk.wait()
        self.queue.append(_Block(self.rngs, self.N, steps, workers, now))
        self.drawn += steps

    def take(self, n, workers=1, ahead=0):
        """The next ``n`` steps, (B, n, N) C-contiguous. Missing steps are drawn now by ``workers`` threads;
        then, with ``ahead >= 1``, the next block is started on ``ahead`` threads (it is drawn while the
        caller computes)."""
        n = int(n)
        short = n - self._buffered()
        if short > 0:
            self._draw(max(short, min(self.block, self.horizon - self.drawn)), workers, True)
        first = self.queue[0]
        first.wait()
        if first.start == 0 and first.left == n:            # the usual case: a whole block, no copy
            out = self.queue.pop(0).out
        else:
            out = np.empty((len(self.rngs), n, self.N))
            k = 0
            while k < n:
                blk = self.queue[0]
                data = blk.wait()
                use = min(n - k, blk.left)
                out[:, k:k + use] = data[:, blk.start:blk.start + use]
                blk.start += use
                k += use
                if blk.left == 0:
                    self.queue.pop(0)
        if ahead >= 1 and self._buffered() < self.block and self.drawn < self.horizon:
            self._draw(min(self.block, self.horizon - self.drawn), ahead, False)
        return out
