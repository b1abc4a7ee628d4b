r"""Krotov–Hopfield competing hidden units (docs/science/plasticity.md (P9)).

Currents :math:`h = \tilde W x` with :math:`\tilde W = \mathrm{sign}(W)|W|^{p-1}`; per sample the
strongest unit gets g = 1, the k-th strongest g = −Δ, the others 0, and

.. math:: \Delta W = G^T X_b - \mathrm{diag}\Big(\sum_b g_{b}\odot h_{b}\Big) W, \qquad
          \Delta W \leftarrow \Delta W / \max(\max_{ij}|\Delta W_{ij}|, \epsilon),

followed by the optimizer (SGD in Krotov's code, so the largest weight change of a step is the learning
rate). ``anneal="linear"`` uses Krotov's schedule :math:`\eta_e = \eta(1 - e/E)` over the E epochs;
``"constant"`` keeps η (the authors' package).
"""

import numpy as np

from .._checks import check_float, check_int
from .layer import PlasticLayer

__all__ = ["KrotovHopfield"]


class KrotovHopfield(PlasticLayer):
    r"""Unsupervised layer of competing hidden units (Krotov & Hopfield 2019; docs/science/plasticity.md (P9)).

    Parameters
    ----------
    n_neurons : int
        Hidden units K (>= k).
    p : float
        Lebesgue exponent, >= 2 (p = 2: :math:`\tilde W = W`).
    k : int
        Rank of the anti-Hebbian unit, ``2 <= k <= n_neurons``.
    delta : float
        Anti-Hebbian strength Δ >= 0.
    anneal : {"linear", "constant", "exponential"}
        Learning-rate schedule over epochs (see :class:`snt.plasticity.BCM`); "linear" is Krotov's.
    optimizer, lr, anneal_epochs, init, batch_size, epochs
        As in :class:`snt.plasticity.BCM` (defaults: SGD, 0.02, normal, batch 100).
    tol, patience, early_stopping, decay, dtype, seed, progress, threads
        As in :class:`snt.plasticity.BCM` (default tol None: no convergence test).
    precision : float
        ε of the max-abs normalisation, > 0.

    Attributes
    ----------
    weights_ : (n_neurons, n_features) ndarray
    history_ : xarray.Dataset
        ``theta`` (epoch, neuron) is the per-unit sum :math:`\sum_b g_b h_b`, averaged over the epoch's
        batches.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from snt import plasticity
    >>> X = load_digits().data / 16
    >>> kh = plasticity.KrotovHopfield(n_neurons=20, epochs=2, seed=0).fit(X)
    >>> kh.transform(X[:5]).shape
    (5, 20)
    """

    _title = "Krotov-Hopfield layer"
    _method = "docs/science/plasticity.md P7-P9"
    _monitor_name = "sum over the batch of g * h (Oja-like decay coefficient)"

    def __init__(self, n_neurons=100, *, p=2.0, k=2, delta=0.4, anneal="linear", optimizer="sgd", lr=0.02,
                 anneal_epochs=10.0, init="normal", batch_size=100, epochs=10, tol=None, patience=3,
                 early_stopping=True, decay=0.0, precision=1e-30, dtype="float64", seed=None, progress=False,
                 threads=1):
        self._store(locals())

    def _check_rule(self):
        check_float(self.p, "p", minimum=2.0)
        check_int(self.k, "k", minimum=2, maximum=max(2, self.n_neurons))
        if self.k > self.n_neurons:
            raise ValueError(f"k must be <= n_neurons = {self.n_neurons}, got {self.k}")
        check_float(self.delta, "delta", minimum=0.0)
        check_float(self.precision, "precision", minimum=0.0, strict_min=True)

    def _start(self, D):
        pass

    def _effective(self):
        W = self.weights_
        if self.p == 2.0:
            return W
        return np.sign(W) * np.abs(W) ** (self.p - 1.0)

    def _currents(self, X):
        return X @ self._effective().T

    _linear = _currents

    def _step(self, Xb, lr):
        """One minibatch of Krotov's rule (P9); returns the per-unit sum of g h."""
        B = Xb.shape[0]
        H = self._currents(Xb)                                        # (B, K)
        rows = np.arange(B)
        part = np.argpartition(H, [-1, -self.k], axis=1)
        G = np.zeros_like(H)
        G[rows, part[:, -1]] = 1.0
        G[rows, part[:, -self.k]] = -self.delta
        xx = np.einsum("bk,bk->k", G, H)
        dW = G.T @ Xb
        dW -= xx[:, None] * self.weights_
        dW *= 1.0 / max(float(np.max(np.abs(dW))), self.precision)
        if self.decay:
            dW -= self.decay * self.weights_
        self._opt.step(self.weights_, dW, lr)
        return xx
