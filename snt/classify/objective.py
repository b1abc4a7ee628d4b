r"""Loss and exact gradient as a function of one flat parameter vector.

:math:`\theta = (\mathrm{vec}\,\Phi_{tr}, \lambda_{tr}, \gamma)`; the loss is the models' mean squared error
plus the orthogonality penalty of :math:`\Phi_{tr}`
(:func:`~snt.classify.spectral.orthogonality_penalty`), added once per evaluation as in the papers.
Large batches are processed in chunks with gradient accumulation so that memory stays at
``chunk x steps x N`` floats.
"""

from __future__ import annotations

import numpy as np

from .base import Params
from .spectral import orthogonality_penalty

__all__ = ["Objective", "pack", "unpack", "bounds"]


def pack(model, params):
    """Flatten ``params`` into a float64 vector."""
    parts = [params.phi_tr.ravel(), params.lam_tr]
    if model.trains_gamma:
        parts.append([params.gamma])
    return np.concatenate(parts).astype(np.float64)


def unpack(model, theta, gamma_default=None):
    """Inverse of :func:`pack`."""
    n, k = model.n_nodes, model.n_classes
    m = n - k
    phi = theta[: n * m].reshape(n, m)
    lam = theta[n * m: n * m + m]
    if model.trains_gamma:
        gamma = float(theta[n * m + m])
    else:
        gamma = float(model.gamma_init if gamma_default is None else gamma_default)
    return Params(phi.copy(), lam.copy(), gamma)


def bounds(model, dt=None):
    """(lower, upper) arrays for L-BFGS-B: λ box from the model's stability bound, γ box (which may depend on
    the Euler step ``dt``, see ``model.gamma_box``), Φ free."""
    n, k = model.n_nodes, model.n_classes
    m = n - k
    lam_lo, lam_hi = model.lam_bounds()
    lo = [np.full(n * m, -np.inf), np.full(m, lam_lo)]
    hi = [np.full(n * m, np.inf), np.full(m, lam_hi)]
    if model.trains_gamma:
        g_lo, g_hi = model.gamma_box(dt)
        lo.append([g_lo])
        hi.append([g_hi])
    return np.concatenate(lo), np.concatenate(hi)


class Objective:
    """Callable ``theta -> (loss, grad)`` on a fixed set of items.

    Parameters
    ----------
    model : PlantedModel
    X : (B, N) array
        Inputs padded to ``model.n_nodes``.
    Y : (B,) int
        Class indices.
    steps : int
    dt : float
    chunk : int
        Items per forward/backward pass.
    noise_seed : int or None
        For stochastic models: the frozen noise key (common random numbers); ``None`` = deterministic.
    regularize : bool
        Add the orthogonality penalty.
    work : Workspace, optional
        Buffers of the passes (reused across calls).
    """

    def __init__(self, model, X, Y, steps, dt, chunk=2048, noise_seed=None, regularize=True, work=None):
        self.model, self.X, self.Y = model, X, Y
        self.steps, self.dt, self.chunk = steps, dt, int(chunk)
        self.noise_seed = noise_seed
        self.regularize = regularize
        self.work = work
        self.nfev = 0

    def __call__(self, theta):
        model = self.model
        params = unpack(model, theta)
        # the O(N^3) spectral work in the precision of the trajectories (float32 models: float32)
        coupling = model.coupling(params, dtype=model.dtype)
        B = len(self.X)
        scale = model.loss_scale(B)
        loss = 0.0
        G = np.zeros((model.n_nodes, model.n_nodes))
        dg = 0.0
        for ci, start in enumerate(range(0, B, self.chunk)):
            sl = slice(start, start + self.chunk)
            noise = None if self.noise_seed is None else (self.noise_seed, ci)
            lc, Gc, dgc = model.loss_grad(params, self.X[sl], self.Y[sl], self.steps, self.dt,
                                          coupling=coupling, noise=noise, scale=scale, work=self.work)
            loss += lc
            G += Gc
            dg += dgc
        d_phi, d_lam, d_fix = coupling.backward(G)
        dg += d_fix * model.dlam_fix_dgamma(params.gamma)
        if self.regularize:
            r, dr = orthogonality_penalty(params.phi_tr.astype(model.dtype, copy=False), model.orth_factor)
            loss += r
            d_phi = d_phi + dr
        self.nfev += 1
        grad = [d_phi.ravel(), d_lam]
        if model.trains_gamma:
            grad.append([dg])
        return loss, np.concatenate(grad)
