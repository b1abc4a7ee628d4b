r"""The training machinery shared by the unsupervised plastic layers (BCM, Krotov–Hopfield): validation,
seeded minibatches that use every sample, the learning-rate schedule, the optimizer, the convergence test and
early stopping on the monitored threshold, the history Dataset and the scikit-learn transformer protocol
(docs/science/plasticity.md (P6)–(P8)).

Learning-rate schedules (``anneal``), with η = ``lr`` and e = 0, 1, … the epoch:

* ``"constant"``: :math:`\eta_e = \eta`;
* ``"linear"``: :math:`\eta_e = \eta\,(1 - e/E)` over the E = ``epochs`` epochs (Krotov's schedule);
* ``"exponential"``: :math:`\eta_e = \eta\,2^{-e/\tau_\eta}`, the half-life τ_η = ``anneal_epochs``.
  Σ_e η_e = η/(1 − 2^{−1/τ_η}) is finite, so W and θ converge (geometrically, once the rate is small), to a
  state whose selectivity is set by that total.

A subclass defines ``_rule_params`` (its own constructor arguments, validated by ``_check_rule``),
``_start(D)`` (rule state), ``_step(Xb, lr)`` (one minibatch update; returns the monitored vector) and
``_currents(X)`` (the response used by :meth:`transform`).
"""

import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import xarray as xr
from sklearn.base import BaseEstimator, TransformerMixin

from .._checks import check_choice, check_float, check_int
from .._seeds import as_seed_sequence, child, describe
from .._threads import blas_limit, check_threads
from ..io import provenance
from ._gather import gather_rows
from .initializers import INITIALIZERS, initial_weights
from .optimizers import OPTIMIZERS, make_optimizer

__all__ = ["PlasticLayer", "SCHEDULES", "learning_rate"]

SCHEDULES = ("constant", "linear", "exponential")

_DTYPES = {"float64": np.float64, "float32": np.float32}
#: Rows of X turned into responses at a time by ``transform`` (bounds the temporary's memory).
_TRANSFORM_CHUNK = 8192


#: Gather the next minibatch in a second thread while the current one is learned (see ``_run_epoch``).
PREFETCH = True


def _prefetch_enabled():
    """Whether to overlap the gather with the step: asked for, and two CPUs available to the process."""
    if not PREFETCH:
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:                           # no affinity call on this platform
        return (os.cpu_count() or 1) > 1


def learning_rate(schedule, lr, epoch, epochs, anneal_epochs):
    """The learning rate of epoch ``epoch`` (0-based) under ``schedule`` (see the module notes)."""
    if schedule == "linear":
        return lr * max(0.0, 1.0 - epoch / epochs)
    if schedule == "exponential":
        return lr * 2.0 ** (-epoch / anneal_epochs)
    return lr


def _refuse_nonfinite(X, name):
    """The ValueError for non-finite entries of X (a sum can overflow to inf with finite entries: count them)."""
    bad = int(X.size - np.count_nonzero(np.isfinite(X)))
    if bad:
        raise ValueError(f"{name} must be finite; it has {bad} NaN/inf entries")


class PlasticLayer(TransformerMixin, BaseEstimator):
    """Base class; see :class:`snt.plasticity.BCM` and :class:`snt.plasticity.KrotovHopfield`."""

    _title = "plastic layer"
    _method = ""

    def _store(self, params):
        """Keep the constructor arguments as attributes of the same names (the scikit-learn convention;
        validation happens in fit)."""
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    # ---------------------------------------------------------------- validation
    def _check_params(self):
        check_int(self.n_neurons, "n_neurons", minimum=1)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_float(self.lr, "lr", minimum=0.0, strict_min=True)
        check_choice(self.init, "init", INITIALIZERS)
        check_int(self.batch_size, "batch_size", minimum=1)
        check_int(self.epochs, "epochs", minimum=1)
        check_choice(self.anneal, "anneal", SCHEDULES)
        check_float(self.anneal_epochs, "anneal_epochs", minimum=0.0, strict_min=True)
        if self.tol is not None:
            check_float(self.tol, "tol", minimum=0.0)
        check_int(self.patience, "patience", minimum=1)
        if not isinstance(self.early_stopping, (bool, numbers.Integral)):
            raise TypeError(f"early_stopping must be a bool, got {type(self.early_stopping).__name__}")
        check_float(self.decay, "decay", minimum=0.0)
        check_choice(self.dtype, "dtype", _DTYPES)
        check_threads(self.threads)
        if not isinstance(self.progress, (bool, numbers.Integral)):
            raise TypeError(f"progress must be a bool, got {type(self.progress).__name__}")
        as_seed_sequence(self.seed)
        self._check_rule()

    def _check_X(self, X, name="X", finite=True):
        """X as a C-ordered array of the layer's dtype, with errors naming ``name``; ``finite=False`` leaves the
        finiteness to the caller (fit checks every gathered minibatch of its first epoch instead, in cache)."""
        dtype = _DTYPES[self.dtype]
        try:
            X = np.asarray(X, dtype=dtype, order="C")
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be an array of real numbers (samples, features), got "
                            f"{type(X).__name__}") from exc
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D (samples, features), got shape {X.shape}")
        if X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"{name} must have at least one sample and one feature, got shape {X.shape}")
        if finite and not np.isfinite(X.sum(dtype=np.float64)):      # one pass; the entries only when needed
            _refuse_nonfinite(X, name)
        if hasattr(self, "weights_") and X.shape[1] != self.weights_.shape[1]:
            raise ValueError(f"{name} has {X.shape[1]} features but the layer was fitted on "
                             f"{self.weights_.shape[1]} (n_features_in_ = {self.n_features_in_})")
        return X

    # ---------------------------------------------------------------- training
    def _reset(self, D):
        self._check_params()
        self._ss = as_seed_sequence(self.seed)
        self._dtype = _DTYPES[self.dtype]
        rng = np.random.default_rng(child(self._ss, 0))
        self.weights_ = initial_weights(self.init, rng, self.n_neurons, D, self._dtype)
        self.n_features_in_ = D
        self._opt = make_optimizer(self.optimizer, self.weights_.shape, self._dtype)
        self._epoch = 0
        self._theta_hist, self._change_hist, self._lr_hist = [], [], []
        self._calm = 0
        self.converged_ = False
        self._start(D)

    def fit(self, X, y=None):
        """Train from a fresh initialisation for up to ``epochs`` epochs (fewer if ``tol`` stops it).

        Parameters
        ----------
        X : (n_samples, n_features) array_like
            Finite inputs (e.g. pixels in [0, 1]).
        y : ignored
            Unsupervised; present for the scikit-learn Pipeline protocol.

        Returns
        -------
        self
        """
        for name in ("weights_", "n_features_in_"):
            if hasattr(self, name):
                delattr(self, name)
        self._check_params()
        X = self._check_X(X, finite=False)
        self._reset(X.shape[1])
        bar = None
        if self.progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=self.epochs, unit="epoch", desc=type(self).__name__)
        limit = blas_limit(self.threads)
        try:
            for e in range(self.epochs):
                try:
                    self._run_epoch(X, check_finite=e == 0)
                except ValueError:
                    for name in ("weights_", "n_features_in_"):       # not fitted: the state is incomplete
                        delattr(self, name)
                    raise
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(theta_change=f"{self._change_hist[-1]:.3g}")
                if self._stop():
                    break
        finally:
            limit.restore_original_limits()
            if bar is not None:
                bar.close()
        return self

    def partial_fit(self, X, y=None):
        """One more epoch over ``X`` (initialising the layer on the first call); the optimizer state, the
        threshold and the epoch counter (which seeds the shuffle) carry over."""
        if not hasattr(self, "weights_"):
            self._check_params()
            X = self._check_X(X)
            self._reset(X.shape[1])
        else:
            X = self._check_X(X)
        with blas_limit(self.threads):
            self._run_epoch(X)
        return self

    def _epoch_lr(self):
        return learning_rate(self.anneal, self.lr, self._epoch, self.epochs, self.anneal_epochs)

    def _batch_buffers(self, rows, D):
        """Two reused (rows, D) buffers for the gathered minibatches, the one being learned and the next one
        (no allocation, and no page faults, per batch)."""
        bufs = getattr(self, "_xbuf", None)
        if (bufs is None or bufs[0].shape[0] < rows or bufs[0].shape[1] != D or bufs[0].dtype != self._dtype):
            bufs = self._xbuf = (np.empty((rows, D), dtype=self._dtype), np.empty((rows, D), dtype=self._dtype))
        return bufs

    def _run_epoch(self, X, check_finite=False):
        """One epoch: the seeded permutation of the samples cut into ceil(n/B) nearly equal batches (P6). Each
        batch is gathered into a buffer while the previous one is being learned (a second thread when the
        process may use two CPUs; the gather is an exact copy, so the result is the same either way)."""
        n = X.shape[0]
        rng = np.random.default_rng(child(self._ss, 1, self._epoch))
        order = rng.permutation(n)
        n_batches = -(-n // self.batch_size)
        lr = self._epoch_lr()
        total = np.zeros(self.n_neurons)
        bufs = self._batch_buffers(-(-n // n_batches), X.shape[1])
        parts = np.array_split(order, n_batches)
        check = bool(check_finite)
        pool = ThreadPoolExecutor(max_workers=1) if n_batches > 1 and _prefetch_enabled() else None
        try:
            def gather(j):
                return gather_rows(X, parts[j], bufs[j % 2], check)
            pending = pool.submit(gather, 0) if pool is not None else None
            for j in range(n_batches):
                bad = pending.result() if pool is not None else gather(j)
                if pool is not None and j + 1 < n_batches:
                    pending = pool.submit(gather, j + 1)
                if bad:                                    # before the step uses it
                    _refuse_nonfinite(X, "X")
                total += self._step(bufs[j % 2][:parts[j].size], lr)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        theta = total / n_batches
        prev = self._theta_hist[-1] if self._theta_hist else None
        change = np.nan if prev is None else float(np.linalg.norm(theta - prev) / max(np.linalg.norm(theta),
                                                                                       1e-300))
        self._theta_hist.append(theta)
        self._change_hist.append(change)
        self._lr_hist.append(lr)
        self._epoch += 1
        if self.tol is not None and np.isfinite(change) and change <= self.tol:
            self._calm += 1
        else:
            self._calm = 0
        self.converged_ = self.tol is not None and self._calm >= self.patience

    @property
    def convergence_(self):
        """The convergence status of the monitored threshold, as a sentence: "converged (…)", "not converged
        (…)" with the last relative change against ``tol``, or "not tested" when ``tol`` is None."""
        if not hasattr(self, "weights_"):
            raise AttributeError("convergence_ exists after fit")
        last = self._change_hist[-1] if self._change_hist else np.nan
        if self.tol is None:
            return f"not tested (tol=None); last relative change {last:.3g}"
        if self.converged_:
            return (f"converged: relative change of theta <= tol = {self.tol:g} for {self.patience} epochs "
                    f"(last {last:.3g}, epoch {self._epoch})")
        calm = f"{self._calm} of the {self.patience} epochs required" if self._calm else "not once"
        return (f"not converged: relative change of theta {last:.3g} after {self._epoch} epochs, <= tol = "
                f"{self.tol:g} {calm}")

    def _stop(self):
        return bool(self.early_stopping) and self.converged_

    def __getstate__(self):
        """Pickles without the reused minibatch and step buffers (they are rebuilt on the next epoch)."""
        state = dict(super().__getstate__())          # a copy: object.__getstate__ returns __dict__ itself
        for name in ("_xbuf", "_ws"):
            state.pop(name, None)
        return state

    # ---------------------------------------------------------------- results
    def transform(self, X):
        """The responses (n_samples, n_neurons) of the trained layer to ``X``."""
        if not hasattr(self, "weights_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X) first")
        X = self._check_X(X)
        out = np.empty((X.shape[0], self.n_neurons), dtype=self._dtype)
        with blas_limit(self.threads):
            for a in range(0, X.shape[0], _TRANSFORM_CHUNK):
                out[a:a + _TRANSFORM_CHUNK] = self._currents(X[a:a + _TRANSFORM_CHUNK])
        return out

    @property
    def n_epochs_(self):
        """Epochs run so far."""
        return self._epoch

    @property
    def history_(self):
        """xarray.Dataset: the monitored threshold per epoch and neuron, its relative change and the
        learning rate of each epoch, with the parameters and the seed in the attributes."""
        if not hasattr(self, "weights_"):
            raise AttributeError("history_ exists after fit")
        E = len(self._theta_hist)
        data = {
            "theta": (("epoch", "neuron"), np.array(self._theta_hist),
                      {"long_name": self._monitor_name, "units": "1"}),
            "theta_change": (("epoch",), np.array(self._change_hist),
                             {"long_name": "||theta(e) - theta(e-1)|| / ||theta(e)||", "units": "1"}),
            "lr": (("epoch",), np.array(self._lr_hist), {"long_name": "learning rate of the epoch", "units": "1"}),
        }
        coords = {"epoch": ("epoch", np.arange(1, E + 1), {"long_name": "training epoch"}),
                  "neuron": ("neuron", np.arange(self.n_neurons), {"long_name": "neuron index"})}
        params = dict(self.get_params(), n_features=self.n_features_in_, converged=bool(self.converged_))
        params["seed"] = None if params["seed"] is None else str(params["seed"])
        attrs = provenance(f"{self._title}: training history", self._method, params, describe(self._ss))
        attrs["convergence"] = self.convergence_
        return xr.Dataset(data, coords=coords, attrs=attrs)
