r"""The BCM network with lateral connections (Law–Cooper form), trained by minibatches
(docs/science/plasticity.md (P1)–(P5)).

Responses: :math:`y = \sigma\big((I - L)^{-1} W x\big)` (P1) with the closed-form lateral inverse (P2).
Rule (P3): per neuron, :math:`\Delta W_i = \langle \phi_i(x)\,x\rangle_{\rm batch} - \kappa W_i`,
:math:`\phi_i = y_i(y_i - \theta_i)/(\theta_i + \epsilon)`, with the threshold θ from one of three modes (P4):

* ``"batch"``: :math:`\theta_i = \langle y_i^2\rangle_{\rm batch}` in the rule; the moving average
  :math:`\bar\theta_t = \gamma\bar\theta_{t-1} + (1-\gamma)\langle y^2\rangle` is kept (``threshold_``) but
  does not enter the rule. This is what the authors' code does: γ never reaches the weights.
* ``"ema"``: the moving average :math:`\bar\theta_t` (θ̄₀ = 0) is the threshold of the rule, as the
  slides state; γ tunes the selectivity. With γ = 0 the two modes coincide exactly.
* ``"online"``: a per-sample running average :math:`\theta \leftarrow \theta + (y^2 - \theta)/\tau` (Blais'
  simulator), carried across batches; sample b of a batch uses the threshold that includes its own y².
  With ``batch_size=1`` this is the classical online rule. It starts from the first batch's mean of y²
  (the two other modes start from θ̄₀ = 0, as the authors' code does).

Convergence (P6) is judged in every mode on the epoch average of the batch means ⟨y²⟩_batch, the quantity the
thresholds estimate. The epoch average of the moving average itself depends on the order of the batches (a
few per cent on digits even when the weights no longer move), so it cannot tell convergence from reshuffling.
"""

import numpy as np
import scipy.signal

from .._checks import check_choice, check_float
from .activations import ACTIVATIONS, activate
from ._bcm_kernels import ACTIVATION_CODES, modification, responses
from .lateral import apply_lateral, check_lateral, lateral_coefficients
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
        Initial learning rate η, > 0.
    anneal : {"exponential", "constant", "linear"}
        Learning-rate schedule over epochs e = 0, 1, …: "exponential" η_e = η 2^(−e/τ_η) (the default),
        "constant" η_e = η (the authors' code), "linear" η_e = η(1 − e/E) over the E = ``epochs``. With a
        constant rate θ does not settle: the neurons keep sharpening (θ ≈ n/α_i grows as the selected sets
        shrink) and the relative change stays at several per cent per epoch (docs/science/plasticity.md (P6)).
    anneal_epochs : float
        Half-life τ_η of the "exponential" schedule in epochs, > 0.
    init : {"normal", "glorot-normal", "glorot-uniform", "he-normal", "he-uniform", "orthogonal"}
        Initial weights (P7).
    batch_size : int
        Minibatch size; the samples of an epoch are split into ceil(n / batch_size) nearly equal batches,
        so every sample is used once per epoch.
    epochs : int
        Maximal number of epochs of ``fit``.
    tol : float or None
        Convergence test: θ has converged when the relative change of the epoch average θ(e) of the batch
        means ⟨y²⟩ (see the module notes), ‖θ(e) − θ(e−1)‖ / ‖θ(e)‖, stays <= ``tol`` for ``patience``
        consecutive epochs (``convergence_`` reports the outcome). None: no test.
    patience : int
        See ``tol``.
    early_stopping : bool
        Stop ``fit`` once θ has converged (otherwise run every epoch and only report).
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
        ``theta`` (epoch, neuron), ``theta_change`` (epoch), ``lr`` (epoch); the attribute ``convergence``.
    n_epochs_ : int
    converged_ : bool
        Whether the convergence test passed (False when ``tol`` is None).
    convergence_ : str
        "converged: …" or "not converged: …" with the last relative change and ``tol`` ("not tested" when
        ``tol`` is None).

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
    _monitor_name = "threshold estimate <y^2>: the batch means of y^2 averaged over the epoch's batches"

    def __init__(self, n_neurons=100, *, activation="relu", lateral=0.0, threshold="batch", memory=0.5, tau=1000.0,
                 optimizer="adam", lr=0.02, anneal="exponential", anneal_epochs=10.0, init="glorot-normal",
                 batch_size=1000, epochs=10, tol=0.01, patience=3, early_stopping=True, decay=0.0, precision=1e-30,
                 dtype="float64", seed=None, progress=False, threads=1):
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

    def _workspace(self, B):
        """Reused buffers of a step: currents/responses (B, K), y² then Φ (B, K), ΔW (K, D)."""
        K, D = self.weights_.shape
        ws = getattr(self, "_ws", None)
        if ws is None or ws[0].shape[0] < B or ws[2].shape != (K, D) or ws[0].dtype != self.weights_.dtype:
            dt = self.weights_.dtype
            ws = self._ws = (np.empty((B, K), dt), np.empty((B, K), dt), np.empty((K, D), dt))
        return ws

    def _step(self, Xb, lr):
        """One minibatch: Y = σ(X_b Wᵀ (I−L)^{-T}), the threshold, Φ and ΔW = ΦᵀX_b / B (P3); returns the
        monitored threshold, the batch mean of y² (P6)."""
        B = Xb.shape[0]
        C, P, dW = self._workspace(B)
        Y = np.matmul(Xb, self.weights_.T, out=C[:B])     # (B, K): gemm 1
        K = Y.shape[1]
        gamma = self.memory
        if self.threshold != "online":
            # one fused pass: lateral, activation, sum of y^2; a second: Phi
            a, b = lateral_coefficients(self._s, K) if self._s != 0.0 else (1.0, 0.0)
            y2sum = np.empty(K)
            responses(Y, Y.dtype.type(a), Y.dtype.type(b), ACTIVATION_CODES[self.activation], y2sum)
            batch_theta = y2sum / B
            monitor = batch_theta
            self.threshold_ = gamma * self.threshold_ + (1.0 - gamma) * batch_theta
            theta = batch_theta if self.threshold == "batch" else self.threshold_
            dt = Y.dtype.type
            modification(Y, theta.astype(Y.dtype), dt(self.precision), P[:B])
            return self._update(P[:B], Xb, dW, lr, monitor)
        # "online": the per-sample running threshold (numpy passes; scipy's recursive filter)
        apply_lateral(Y, self._s)
        activate(self.activation, Y)
        y2 = np.multiply(Y, Y, out=P[:B])
        a = 1.0 - 1.0 / self.tau
        if self._opt.t == 0:                         # warm start: the first batch's mean of y^2
            self.threshold_ = y2.mean(axis=0).astype(np.float64)
        zi = (a * self.threshold_)[None, :]
        theta, zf = scipy.signal.lfilter([1.0 - a], [1.0, -a], y2, axis=0, zi=zi)
        self.threshold_ = theta[-1].copy()
        theta = theta.astype(Y.dtype, copy=False)
        monitor = y2.mean(axis=0, dtype=np.float64)
        # Phi = y (y - theta) / (theta + eps) = (y^2 - theta y) / (theta + eps), in the buffer y2
        Y *= theta
        y2 -= Y
        y2 /= theta + self.precision
        return self._update(y2, Xb, dW, lr, monitor)

    def _update(self, Phi, Xb, dW, lr, monitor):
        """ΔW = ΦᵀX_b / B − κW and the optimizer step; returns ``monitor``."""
        np.matmul(Phi.T, Xb, out=dW)                 # (K, D): gemm 2
        dW *= 1.0 / Xb.shape[0]
        if self.decay:
            dW -= self.decay * self.weights_
        self._opt.step(self.weights_, dW, lr)
        return monitor
