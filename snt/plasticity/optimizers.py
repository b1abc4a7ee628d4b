r"""Optimizers of the plastic layers: each moves W **along** the rule's update ΔW (ascent), docs/science/
plasticity.md (P8).

With the step's learning rate η (which the layer may anneal per epoch):

* ``"sgd"``: :math:`W \leftarrow W + \eta\,\Delta W` — explicit Euler on the rule's ODE with step η;
* ``"momentum"``: :math:`v \leftarrow \mu v + \eta\,\Delta W,\ W \leftarrow W + v` (μ = 0.9);
* ``"adam"``: :math:`m \leftarrow \beta_1 m + (1-\beta_1)\Delta W`,
  :math:`s \leftarrow \beta_2 s + (1-\beta_2)\Delta W^2`,
  :math:`W \leftarrow W + \eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,\frac{m}{\sqrt s + \epsilon}` with t the
  number of updates so far (bias correction per update), β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
"""

import numpy as np
from numba import njit

__all__ = ["OPTIMIZERS", "make_optimizer"]


class _SGD:
    def __init__(self, shape, dtype):
        self.t = 0

    def step(self, W, dW, lr):
        self.t += 1
        W += lr * dW


class _Momentum:
    mu = 0.9

    def __init__(self, shape, dtype):
        self.t = 0
        self.v = np.zeros(shape, dtype)

    def step(self, W, dW, lr):
        self.t += 1
        self.v *= self.mu
        self.v += lr * dW
        W += self.v


@njit(cache=True, nogil=True, fastmath={"nsz", "arcp", "contract", "afn"})
def _adam_kernel(W, dW, m, s, b1, b2, a, eps):
    """One fused pass of the Adam update over the flattened arrays (same operations as the formula, in order)."""
    Wf, df, mf, sf = W.ravel(), dW.ravel(), m.ravel(), s.ravel()
    for i in range(Wf.size):
        d = df[i]
        mi = b1 * mf[i] + (1.0 - b1) * d
        si = b2 * sf[i] + (1.0 - b2) * (d * d)
        mf[i] = mi
        sf[i] = si
        Wf[i] += a * (mi / (np.sqrt(si) + eps))


class _Adam:
    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, shape, dtype):
        self.t = 0
        self.m = np.zeros(shape, dtype)
        self.s = np.zeros(shape, dtype)

    def step(self, W, dW, lr):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        a = lr * np.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        dt = W.dtype.type
        _adam_kernel(W, np.ascontiguousarray(dW, dtype=W.dtype), self.m, self.s, dt(b1), dt(b2), dt(a),
                     dt(self.eps))


OPTIMIZERS = {"sgd": _SGD, "momentum": _Momentum, "adam": _Adam}


def make_optimizer(name, shape, dtype=np.float64):
    """A fresh optimizer state for parameters of the given shape."""
    return OPTIMIZERS[name](shape, dtype)
