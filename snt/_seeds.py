"""Seed bookkeeping: every draw in snt derives from a ``numpy.random.SeedSequence``.

Children are addressed by key, never by the order in which they were asked for: the child for key
``k`` is ``SeedSequence(entropy, spawn_key=parent.spawn_key + k)``, which equals the ``k``-th child of
``parent.spawn()``. A trial, a grid point or a chunk therefore gets the same stream whatever the
number of workers or the way the work was split.

A ``numpy.random.Generator`` passed as a seed is *consumed*, as numpy and scikit-learn users expect: a 128-bit
root entropy is drawn from it (advancing it), so two calls with the same Generator give different runs, two
Generators seeded alike give the same runs, and the drawn entropy is recorded in the provenance
(``seed_entropy``), so ``seed=int(ds.attrs["seed_entropy"])`` repeats the run.
"""

import numbers

import numpy as np


def as_seed_sequence(seed):
    """Turn ``None``, an int, a ``SeedSequence`` or a ``Generator`` into a ``SeedSequence``.

    ``None`` draws fresh entropy (recorded in the results' provenance, so the run can be repeated); a
    ``Generator`` gives a root with 128 bits of entropy drawn from it (the Generator advances).
    """
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        hi, lo = seed.integers(0, 2 ** 64, size=2, dtype=np.uint64, endpoint=False)
        return np.random.SeedSequence((int(hi) << 64) | int(lo))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.SeedSequence(int(seed))
    raise TypeError(f"seed must be None, an int, a SeedSequence or a Generator, got {type(seed).__name__}")


def child(ss, *key):
    """The child of ``ss`` with the given key (ints), independent of any earlier spawn() call."""
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + tuple(int(k) for k in key),
                                  pool_size=ss.pool_size)


def children(ss, n, offset=0):
    """``n`` children with keys offset .. offset+n-1 (equal to ``ss.spawn(offset+n)[offset:]``)."""
    return [child(ss, offset + i) for i in range(n)]


def trial_seeds(seed, trials):
    """One SeedSequence per trial: from a root seed, or a sequence of SeedSequences given by the caller."""
    if isinstance(seed, (list, tuple)):
        if len(seed) != trials:
            raise ValueError(f"seed: a sequence of seeds must have one per trial ({trials}), got {len(seed)}")
        out = []
        for s in seed:
            if not isinstance(s, np.random.SeedSequence):
                raise TypeError("seed: a sequence of seeds must hold SeedSequence objects")
            out.append(s)
        return None, out
    root = as_seed_sequence(seed)
    return root, children(root, trials)


def describe(ss):
    """Provenance strings for a SeedSequence (entropy as str: it may exceed 64 bits)."""
    if ss is None:
        return {"seed_entropy": "per-trial seeds given by the caller", "seed_spawn_key": ""}
    return {"seed_entropy": str(ss.entropy), "seed_spawn_key": ",".join(str(k) for k in ss.spawn_key)}
