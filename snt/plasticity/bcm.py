r"""The BCM network with lateral connections (Law–Cooper form), trained by minibatches
(docs/science/plasticity.md (P1)–(P5)).

Responses: :math:`y = \sigma\big((I - L)^{-1} W x\big)` (P1) with the closed-form lateral inverse (P2).
Rule (P3): per neuron, :math:`\Delta W_i = \langle \phi_i(x)\,x\rangle_{\rm batch} - \kappa W_i`,
:math:`\phi_i = y_i(y_i - \theta_i)/(\theta_i + \epsilon)`, with the threshold θ from one of three modes (P4):

* ``"batch"``: :math:`\theta_i = \langle y_i^2\rangle_{\rm batch}` in the rule; the moving average
  :math:`\bar\theta_t = \gamma\bar\theta_{t-1} + (1-\gamma)\langle y^2\rangle` is only monitored (history and
  early stopping). This is what the authors' code does: γ never reaches the weights.
* ``"ema"``: the moving average :math:`\bar\theta_t` (θ̄₀ = 0) is the threshold of the rule, as the
  slides state; γ tunes the selectivity. With γ = 0 the two modes coincide exactly.
* ``"online"``: a per-sample running average :math:`\theta \leftarrow \theta + (y^2 - \theta)/\tau` (Blais'
  simulator), carried across batches; sample b of a batch uses the threshold that includes its own y².
  With ``batch_size=1`` this is the classical online rule. It starts from the first batch's mean of y²
  (the two other modes start from θ̄₀ = 0, as the authors' code does).
"""

import numpy as np
import scipy.signal

from .._checks import check_choice, check_float
from .activations import ACTIVATIONS, activate
from .lateral import apply_lateral, check_lateral
from .layer import PlasticLayer

__all__ = ["BCM", "THRESHOLDS"]

THRESHOLDS = ("batch", "ema", "online")


class BCM(PlasticLayer):
    r"""A layer of BCM neurons with uniform lateral connections (docs/science/plasticity.md (P1)–(P5)).

    Parameters
    ----------
    n_neurons : int
        Number of BCM neurons K.
    activation : {"logistic", "relu", "linear", "tanh"}
        Output nonlinearity σ.
    lateral : float
        Lateral strength s (L_ij = s off the diagonal; s < 0 inhibition), ``-1 < s < 1/(K-1)``.
    threshold : {"batch", "ema", "online"}
        How the sliding threshold enters the rule (see the module notes, P4).
    memory : float
        Memory factor γ of the moving average, ``0 <= memory < 1`` (used by the rule only when
        ``threshold="ema"``; monitored in every mode).
    tau : float
        Time constant (in samples) of the ``"online"`` threshold, ``tau >= 1``.
    optimizer : {"sgd", "momentum", "adam"}
        How W moves along ΔW (P8).
    lr : float
        Learning rate, > 0.
    init : {"normal", "glorot-normal", "glorot-uniform", "he-normal", "he-uniform", "orthogonal"}
        Initial weights (P7).
    batch_size : int
        Minibatch size; the samples of an epoch are split into ceil(n / batch_size) nearly equal batches,
        so every sample is used once per epoch.
    epochs : int
        Maximal number of epochs of ``fit``.
    tol : float or None
        Early stopping: stop when the relative change of the monitored threshold between epochs,
        ‖θ(e) − θ(e−1)‖ / ‖θ(e)‖, stays <= ``tol`` for ``patience`` epochs. None: run every epoch.
    patience : int
        See ``tol``.
    decay : float
        Weight decay κ >= 0 (ΔW ← ΔW − κW: it shrinks W).
    precision : float
        ε of the division by θ, > 0.
    dtype : {"float64", "float32"}
        Floating type of the weights and of the computation.
    seed : int, SeedSequence or None
        Initial weights from child 0, the shuffle of epoch e from child (1, e).
    progress : bool
        Show a progress bar over epochs.
    threads : int or None
        BLAS threads while training and transforming (default 1, see ``snt._threads``; None: leave the pools
        as they are).

    Attributes
    ----------
    weights_ : (n_neurons, n_features) ndarray
        Receptive fields W.
    threshold_ : (n_neurons,) ndarray
        Current threshold of the rule (the moving average for "batch"/"ema", the running one for "online").
    history_ : xarray.Dataset
        ``theta`` (epoch, neuron), ``theta_change`` (epoch), ``lr`` (epoch).
    n_epochs_ : int
    converged_ : bool

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from snt import plasticity
    >>> X = load_digits().data / 16
    >>> bcm = plasticity.BCM(n_neurons=10, activation="relu", lateral=-0.05, threshold="ema", memory=0.5,
    ...                      optimizer="adam", lr=0.02, init="glorot-normal", batch_size=100, epochs=3, seed=0)
    >>> bcm.fit(X).transform(X).shape
    (1797, 10)
    """

    _title = "BCM network"
    _method = "docs/science/plasticity.md P1-P8"
    _monitor_name = "moving-average threshold theta (batch mean over the epoch)"

    def __init__(self, n_neurons=100, *, activation="relu", lateral=0.0, threshold="batch", memory=0.5, tau=1000.0,
                 optimizer="adam", lr=0.02, init="glorot-normal", batch_size=1000, epochs=10, tol=None, patience=3,
                 decay=0.0, precision=1e-30, dtype="float64", seed=None, progress=False, threads=1):
        self._store(locals())

    def _check_rule(self):
        check_choice(self.activation, "activation", ACTIVATIONS)
        check_lateral(self.lateral, self.n_neurons, "lateral")
        check_choice(self.threshold, "threshold", THRESHOLDS)
        check_float(self.memory, "memory", minimum=0.0, maximum=1.0, strict_max=True)
        check_float(self.tau, "tau", minimum=1.0)
        check_float(self.precision, "precision", minimum=0.0, strict_min=True)

    def _start(self, D):
        self.threshold_ = np.zeros(self.n_neurons)
        self._s = float(self.lateral)

    def _currents(self, X):
        C = X @ self.weights_.T
        apply_lateral(C, self._s)
        return activate(self.activation, C)

    def _linear(self, X):
        """The lateral steady state of the currents, (I − L)^{-1} W x, without the nonlinearity."""
        return apply_lateral(X @ self.weights_.T, self._s)

    def _step(self, Xb, lr):
        """One minibatch: Y = σ(X_b Wᵀ (I−L)^{-T}), the threshold, Φ and ΔW = ΦᵀX_b / B (P3); returns the
        monitored threshold."""
        B = Xb.shape[0]
        Y = self._currents(Xb)                       # (B, K): gemm 1
        y2 = Y * Y
        gamma = self.memory
        if self.threshold == "online":
            a = 1.0 - 1.0 / self.tau
            if self._opt.t == 0:                     # warm start: the first batch's mean of y^2
                self.threshold_ = y2.mean(axis=0).astype(np.float64)
            zi = (a * self.threshold_)[None, :]
            theta, zf = scipy.signal.lfilter([1.0 - a], [1.0, -a], y2, axis=0, zi=zi)
            self.threshold_ = theta[-1].copy()
            theta = theta.astype(Y.dtype, copy=False)
            monitor = self.threshold_
        else:
            batch_theta = y2.mean(axis=0)
            self.threshold_ = gamma * self.threshold_ + (1.0 - gamma) * batch_theta
            theta = (batch_theta if self.threshold == "batch" else self.threshold_).astype(Y.dtype)
            monitor = self.threshold_
        # Phi = y (y - theta) / (theta + eps) = (y^2 - theta y) / (theta + eps), in the buffer y2
        Y *= theta
        y2 -= Y
        y2 /= theta + self.precision
        dW = y2.T @ Xb                               # (K, D): gemm 2
        dW *= 1.0 / B
        if self.decay:
            dW -= self.decay * self.weights_
        self._opt.step(self.weights_, dW, lr)
        return monitor
