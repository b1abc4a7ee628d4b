r"""Uniform lateral connections of a BCM layer and the closed-form steady state of the lateral recurrence
(docs/science/plasticity.md (P1), (P2)).

With :math:`L_{ij} = s` for :math:`i \ne j` (s < 0: inhibition, s > 0: excitation) and :math:`L_{ii} = 0`,

.. math:: (I - L)^{-1} = \frac{1}{1+s}\Big[I + \frac{s}{1 + s - sK}\,\mathbf 1\mathbf 1^T\Big],

singular at s = −1 and s = 1/(K − 1). The inverse is applied to the feed-forward currents without forming
the matrix: :math:`(I-L)^{-1}c = (c + \frac{s}{1+s-sK}(\mathbf 1^T c)\mathbf 1)/(1+s)`.
"""

import numpy as np

from .._checks import check_float

__all__ = ["check_lateral", "lateral_inverse", "apply_lateral", "lateral_coefficients"]


def lateral_coefficients(s, K):
    """(a, b) with (I − L)^{-1} = a I + b 11^T."""
    a = 1.0 / (1.0 + s)
    return a, a * s / (1.0 + s - s * K)


def check_lateral(s, K, name="lateral"):
    """The lateral strength as a float; a ValueError naming ``name`` when (I − L) is singular or so close to
    it that the steady state does not exist (both eigenvalues 1 + s and 1 + s − sK must stay away from 0)."""
    s = check_float(s, name)
    if K > 1:
        e1, e2 = 1.0 + s, 1.0 + s - s * K
        if not (e1 > 1e-8 and e2 > 1e-8):
            hi = 1.0 / (K - 1)
            kind = "singular" if min(abs(e1), abs(e2)) <= 1e-8 else "not positive definite"
            raise ValueError(f"{name} = {s}: the lateral matrix I - L is {kind} for K = {K} neurons (eigenvalues "
                             f"1 + s = {e1:.4g} and 1 + s - sK = {e2:.4g}; singular at s = -1 and s = 1/(K - 1) = "
                             f"{hi:.6g}); the allowed range is -1 < {name} < {hi:.6g} (inhibition: s < 0)")
    return s


def lateral_inverse(s, K):
    """The (K, K) matrix (I − L)^{-1} from the closed form (P2)."""
    a, b = lateral_coefficients(s, K)
    return a * np.eye(K) + b * np.ones((K, K))


def apply_lateral(C, s):
    """Replace the currents ``C`` (samples, K) by ``C (I − L)^{-T}`` = the lateral steady state, in place."""
    if s == 0.0:
        return C
    K = C.shape[1]
    a, b = lateral_coefficients(s, K)
    total = C.sum(axis=1, keepdims=True)
    C *= a
    C += b * total
    return C
