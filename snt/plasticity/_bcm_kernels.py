"""Fused elementwise passes of a BCM step (docs/science/plasticity.md (P1)–(P3)): the lateral steady state,
the activation and the batch mean of y² in one pass over the currents, and Φ = y(y − θ)/(θ + ε) in a second,
instead of eight numpy passes. Same operations as the formulas; sums in float64."""

import numpy as np
from numba import njit

__all__ = ["ACTIVATION_CODES", "responses", "modification"]

#: Activation name -> code of :func:`responses`.
ACTIVATION_CODES = {"relu": 0, "linear": 1, "logistic": 2, "tanh": 3}


@njit(cache=True, nogil=True)
def responses(C, a, b, act, y2sum):
    """In place: C[r] ← σ(a C[r] + b Σ_k C[r, k]) (a = 1, b = 0: no lateral term); y2sum[k] = Σ_r y[r, k]²."""
    B, K = C.shape
    y2sum[:] = 0.0
    for r in range(B):
        s = 0.0
        if b != 0.0:
            for k in range(K):
                s += C[r, k]
        for k in range(K):
            c = a * C[r, k] + b * s if b != 0.0 else C[r, k]
            if act == 0:
                y = c if c > 0.0 else 0.0
            elif act == 1:
                y = c
            elif act == 2:
                y = 1.0 / (1.0 + np.exp(-c))
            else:
                y = np.tanh(c)
            C[r, k] = y
            y2sum[k] += y * y


@njit(cache=True, nogil=True)
def modification(Y, theta, eps, P):
    """P[r, k] = Y[r, k] (Y[r, k] − θ_k) / (θ_k + ε) for a threshold per neuron θ (K,)."""
    B, K = Y.shape
    for r in range(B):
        for k in range(K):
            y = Y[r, k]
            P[r, k] = y * (y - theta[k]) / (theta[k] + eps)
