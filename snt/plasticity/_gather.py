"""The minibatch gather of the plastic layers (docs/science/plasticity.md (P6)): the rows of one batch copied
into a reused buffer by a compiled kernel that releases the GIL, so that the next batch can be gathered in a
second thread while the current one is being learned. The copy is exact: the batches, and so the results, do
not depend on whether the gather overlaps the step."""

import numpy as np
from numba import njit

__all__ = ["gather_rows"]


@njit(cache=True, nogil=True, fastmath={"reassoc"})     # reassoc vectorises the check's sum; NaN/inf kept
def gather_rows(X, idx, out, check):
    """out[r] = X[idx[r]] for r < idx.size (every idx in range); with ``check``, returns the number of gathered
    rows holding a non-finite entry (0 otherwise)."""
    D = X.shape[1]
    bad = 0
    for r in range(idx.size):
        src = X[idx[r]]
        dst = out[r]
        for j in range(D):
            dst[j] = src[j]
        if check:
            acc = 0.0
            for j in range(D):
                acc += dst[j] * 0.0              # NaN as soon as one entry is NaN or inf
            if acc != 0.0:
                bad += 1
    return bad
