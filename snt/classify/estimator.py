r"""scikit-learn estimator around the planted-attractor models.

An item :math:`x \in \mathbb R^F` (pixels in [0, 1]) is multiplied by ``input_scale`` (default 1),
zero-padded to the :math:`N` nodes, used as the initial condition, integrated for ``steps`` steps of size
``dt``; the class is that of the nearest planted attractor (or, with ``readout="strict"``, the one whose sign
pattern is matched on every node).
"""

from __future__ import annotations

import json
import time
import warnings

import contextlib
import copy

import numpy as np
import scipy.optimize
import xarray as xr
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from .base import Params
from .cvfr import CVFR
from .data import check_classifier_dataset
from .double_well import DoubleWell
from .noise import NOISE_MODELS, check_sigma
from .objective import bounds, pack, unpack
from .rsn import RSN, ComplexRSN
from .snt_map import SNTMap
from .training import check_input_noise, check_milestones, train
from .wilson_cowan import WilsonCowan

__all__ = ["AttractorClassifier", "MODELS", "make_model"]

#: model name -> (class, constructor keywords, Adam learning rate)
MODELS = {
    "sa-node": (DoubleWell, {}, 1e-3),
    "wilson-cowan": (WilsonCowan, {}, 0.1),
    "cvfr": (CVFR, {"sigma": 0.0}, 5e-3),
    "cvfr-stochastic": (CVFR, {"sigma": 0.1}, 5e-3),
    "snt-map": (SNTMap, {}, 1e-2),
    "rsn": (RSN, {}, 1e-2),
    "c-rsn": (ComplexRSN, {}, 1e-2),
}
_ALIASES = {"eodeca": "sa-node", "double-well": "sa-node", "wc": "wilson-cowan", "snt": "snt-map",
            "crsn": "c-rsn", "complex-rsn": "c-rsn"}


def _model_name(model):
    if not isinstance(model, str):
        raise TypeError(f"model must be a string, one of {sorted(MODELS)}, got {model!r}")
    name = _ALIASES.get(model.lower(), model.lower())
    if name not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)} (aliases {sorted(_ALIASES)}), got {model!r}")
    return name


def make_model(model, n_nodes, n_classes, dtype=np.float64, sigma=None, noise=None):
    """Build the model object for ``model`` (a name of :data:`MODELS`).

    ``noise`` (:mod:`snt.classify.noise`; default: the CVFR models' damped noise, else ``"additive"`` when
    ``sigma`` is given) and ``sigma`` set the noise of the dynamics.
    """
    cls, kw, _ = MODELS[_model_name(model)]
    kw = dict(kw)
    if noise is not None and noise != "damped" and sigma is None:
        raise ValueError(f"noise={noise!r} needs sigma, the noise amplitude (>= 0)")
    if sigma is not None:
        sigma = check_sigma(sigma)
    if "sigma" in kw:                      # CVFR: the paper's damped noise unless told otherwise
        if sigma is not None:
            kw["sigma"] = sigma
        if noise is not None:
            kw["noise"] = noise
        return cls(n_nodes, n_classes, dtype=dtype, **kw)
    m = cls(n_nodes, n_classes, dtype=dtype, **kw)
    if sigma is None:
        if noise is not None:
            raise ValueError(f"noise={noise!r} needs sigma, the noise amplitude (>= 0)")
        return m
    return m.set_noise(m.default_noise if noise is None else noise, sigma)


def _check_positive(value, name, integer=False, allow_none=True):
    if value is None and allow_none:
        return None
    if integer:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


class AttractorClassifier(ClassifierMixin, BaseEstimator):
    r"""Planted-attractor classifier: items flow to the attractor of their class.

    The coupling :math:`A = \Phi\Lambda\Phi^{-1}` keeps :math:`K` class patterns as exact fixed points of
    the chosen dynamics; the free eigenvectors, eigenvalues and (where present) the scalar γ are trained
    with exact discrete-adjoint gradients (see :mod:`snt.classify.spectral` and the model modules).

    Parameters
    ----------
    model : {"sa-node", "wilson-cowan", "cvfr", "cvfr-stochastic", "snt-map", "rsn", "c-rsn"}
        The dynamics ("eodeca"/"double-well", "wc", "snt" and "crsn" are accepted aliases). RSN and ℂ-RSN
        are reconstructions (:mod:`snt.classify.rsn`); their ``steps`` is the nonlinear phase, the linear
        phase is summed in closed form.
    steps : int, optional
        Integration steps during training; default per model (55, 25, 300, 300, 20, 5, 5).
    dt : float, optional
        Euler step; default per model (0.1, 0.1, 0.03, 0.03; ignored by the map).
    eval_steps : int, optional
        Steps used by predict (the papers evaluate with longer horizons); default ``steps``.
    n_nodes : int, optional
        Number of nodes; default ``max(n_features, 2(K+2))``. Inputs are zero-padded.
    input_scale : float
        The initial condition is ``input_scale`` times the item (then zero-padded); 1 is the papers'
        contract x(0) = pixels. Useful when the attractors live on a different scale from the inputs:
        the CVFR attractor level is :math:`x_p = \beta r_p \approx 0.85/\sqrt N` while pixels reach 1, so with
        scale 1 the first steps map any item to a nearly binary rate pattern. Applied in ``fit``,
        ``predict``, ``trajectories`` and therefore to attacked items as well.
    dtype : {"float64", "float32"}
        Floating type of the trajectories.
    optimizer : {"lbfgs", "adam"}
        Default optimizer of :meth:`fit`.
    maxiter : int
        L-BFGS-B iterations, or Adam epochs.
    batch_size : int, optional
        Adam mini-batch (default 200), or the first L-BFGS stage (default: full batch).
    validation : float
        Fraction of the training set held out for validation accuracy and early stopping (0 = none).
    patience : int or None
        Validation checks without improvement before stopping (None: never stop early; the parameters of
        the best validation accuracy are restored at the end in either case).
    lr : float, optional
        Adam learning rate; default per model (1e-3, 0.1, 5e-3, 5e-3, 1e-2, 1e-2, 1e-2).
    lr_decay : float
        Factor applied to the Adam learning rate after every epoch (1 = constant, as in the papers).
    lr_milestones : sequence of int, optional
        Adam only: epochs after which the rate is multiplied by ``lr_drop`` as well (a step schedule; the
        rate of epoch e is :math:`\eta\,\delta^{e-1} d^{\#\{m < e\}}`). Wilson–Cowan on Fashion-MNIST needs a
        large rate to leave the class-blind state at the start and a small one to settle (see
        :mod:`snt.classify.presets`).
    lr_drop : float
        The factor of ``lr_milestones`` (default 0.1).
    lr_eigenvalues : float, optional
        Adam learning rate of the trained eigenvalues :math:`\lambda_{tr}` (default ``lr``, the papers'
        single rate; the eigenvectors keep ``lr``, and ``lr_decay`` applies to every rate). The eigenvalues
        can need steps orders of magnitude larger than the eigenvector entries (Wilson–Cowan: λ of order
        10-100, Φ entries of order :math:`1/\sqrt N`). With L-BFGS the ratio ``lr_eigenvalues / lr``
        preconditions the eigenvalues instead (variable scaling by its square root: the first quasi-Newton
        step along them is that factor larger, as for gradient descent with the two rates).
    lr_gamma : float, optional
        Adam learning rate of the trained dynamical scalar γ (default ``lr``; same L-BFGS meaning as
        ``lr_eigenvalues``). Ignored by models that do not train γ (CVFR). Wilson–Cowan at the papers'
        rate 0.1 moves its time-scale ratio γ by up to 0.1 per mini-batch, i.e. across much of its box
        within one epoch.
    ema : float, optional
        Adam only: momentum :math:`\mu` of an exponential moving average of the parameters over the
        mini-batch steps (e.g. 0.99); the average is what is validated and returned (see
        :mod:`snt.classify.training`). It smooths the validation curve; with the digits presets, whose rate
        decays, it changed no cross-validated accuracy (double well 0.958 with and without).
    readout : {"nearest", "strict"}
        Nearest attractor, or strict sign match on every node (double well and SNT map only; rejected
        items are predicted as -1).
    sigma : float or sequence of float, optional
        Noise amplitude: of the CVFR models' damped noise (default 0 / 0.1), or of ``noise`` (one value, or one
        per node, see :mod:`snt.classify.noise`). Without ``noise`` a non-CVFR model gets additive noise.
    noise : {None, "additive", "state-dependent", "damped"}
        Noise model of the dynamics, during training and prediction (:mod:`snt.classify.noise`); ``"damped"``
        (CVFR only) is the noise of arXiv:2409.13470 that vanishes at the attractors. Fitting with
        ``"state-dependent"`` is refused (its pathwise gradient is not implemented); set it on a fitted
        classifier with :func:`snt.classify.with_noise`. :meth:`deterministic` gives the noiseless model
        with the coupling learnt under noise.
    training_noise : float, optional
        ``model="cvfr"`` only: train with the stochastic CVFR's noise of this amplitude, then predict without
        it (the fitted model is the deterministic CVFR with the coupling learnt under noise, as
        :meth:`deterministic` of a stochastic fit). On the digits it raised the 5-fold cross-validated
        accuracy from 0.960 ± 0.011 (trained without noise) to 0.971 ± 0.008, and the robustness to
        random-pixel attacks (see :mod:`snt.classify.presets`). A validation split (``validation > 0``) is
        scored during training with the noise on.
    clip_norm : float, optional
        Adam only: a mini-batch gradient of Euclidean norm above ``clip_norm`` is rescaled to it (the count is
        ``result_.n_clipped``). Guards against rare mini-batches whose gradient is orders of magnitude above
        the rest (Wilson–Cowan), one of which can stall Adam for thousands of steps (see
        :mod:`snt.classify.training`).
    input_noise : float, optional
        Standard deviation (in pixel units, before ``input_scale``) of Gaussian noise added to the features of
        every training item, drawn afresh for each Adam mini-batch (one frozen draw per L-BFGS stage); the
        padding nodes stay 0 and prediction and validation use the clean items. Wilson–Cowan's noisy initial
        conditions are clipped to [0, 1] (its states are fractions of active populations). A regulariser: the
        double well and Wilson–Cowan fit the 1437 training digits exactly, and noise of 0.05 and 0.1 raised their
        cross-validated accuracy (see :mod:`snt.classify.presets`).
    init : {"orthogonal", "complement"}
        Initial trained eigenvectors: random orthonormal columns drawn independently of the planted
        patterns (the papers' Keras initialiser), or drawn inside the orthogonal complement of the planted
        span, which makes :math:`A` symmetric with :math:`\lVert A\rVert_2 = \max|\lambda|` at the start
        (see :meth:`PlantedModel.init_params`).
    loss : {"mse", "xent"}
        Training loss: the mean squared error between the final state and the planted pattern of the
        item's class (the papers'), or the cross-entropy of the nearest-attractor readout made soft,
        :math:`p_k \propto \exp(-\lVert o - t_k\rVert^2/\tau)` (see :meth:`PlantedModel.output_loss`). The
        mean squared error also rewards nodes that are the same in every pattern; when only a few nodes
        tell the classes apart (Wilson–Cowan: 10 of 128 at K = 10) its minimum can be a state equally far
        from every pattern.
    temperature : float
        :math:`\tau` of ``loss="xent"`` in units of the smallest squared distance between two patterns.
    enforce_stability : bool
        After training, if an attractor is unstable, shrink :math:`\lambda_{tr}` towards 0 (bisection on a
        common factor) until all are stable.
    n_threads : int, optional
        BLAS threads during fit/predict. Default: 1 below 512 nodes (small products gain nothing from
        threads and two pools oversubscribing 2 cores were measured up to 100x slower), else the library's.
    seed : int or None
        Seed of every random choice (initialisation, shuffles, validation split, noise).
    verbose : bool
        Show a progress bar.

    Attributes
    ----------
    classes_ : (K,) int
    n_features_in_ : int
    model_ : PlantedModel
    params_ : Params
    result_ : scipy.optimize.OptimizeResult
        ``x, fun, nit, nfev, success, message, history`` (dict of arrays ``nit, loss, val_accuracy,
        time``), ``train_time`` (s), ``max_growth_rate``, ``max_residual``.
    attractors_ : (K, N) float64
        Planted patterns (in the space compared by the loss: x for Wilson–Cowan, rates for CVFR).
    eigenvalues_ : (N,) float64 or complex128
        Spectrum of :math:`A` (trained then planted eigenvalues; complex for ℂ-RSN).

    Notes
    -----
    Labels must be the integers 0..K-1 (class k is planted pattern k); encode other labels first.
    Stability: for the double well and the SNT map the eigenvalue boxes make every attractor stable for
    every admissible γ; for Wilson–Cowan and CVFR :meth:`stability` is checked after training and, with
    ``enforce_stability``, restored by shrinking :math:`\lambda_{tr}`.

    References
    ----------
    .. [1] arXiv:2311.10387, arXiv:2312.14681 (SA-nODE/EODECA); arXiv:2406.16453 (Wilson–Cowan);
           arXiv:2409.13470 (CVFR).

    Examples
    --------
    >>> from snt.classify import AttractorClassifier, load_dataset
    >>> X, y, Xt, yt = load_dataset("digits")
    >>> clf = AttractorClassifier(model="sa-node", steps=20, n_nodes=64, optimizer="adam", maxiter=5,
    ...                           batch_size=50, lr=2e-2, seed=0).fit(X, y)
    >>> clf.score(Xt, yt) > 0.5
    True
    """

    def __init__(self, model="sa-node", steps=None, dt=None, eval_steps=None, n_nodes=None, dtype="float64",
                 optimizer="lbfgs", maxiter=100, batch_size=None, validation=0.0, patience=10, lr=None,
                 lr_decay=1.0, lr_milestones=None, lr_drop=0.1, lr_eigenvalues=None, lr_gamma=None, ema=None,
                 input_scale=1.0, readout="nearest",
                 sigma=None, noise=None, training_noise=None, input_noise=None, clip_norm=None, init="orthogonal",
                 loss="mse",
                 temperature=0.1, enforce_stability=True, n_threads=None, seed=None, verbose=False):
        self.model = model
        self.steps = steps
        self.dt = dt
        self.eval_steps = eval_steps
        self.n_nodes = n_nodes
        self.dtype = dtype
        self.optimizer = optimizer
        self.maxiter = maxiter
        self.batch_size = batch_size
        self.validation = validation
        self.patience = patience
        self.lr = lr
        self.lr_decay = lr_decay
        self.lr_milestones = lr_milestones
        self.lr_drop = lr_drop
        self.lr_eigenvalues = lr_eigenvalues
        self.ema = ema
        self.lr_gamma = lr_gamma
        self.input_scale = input_scale
        self.readout = readout
        self.sigma = sigma
        self.noise = noise
        self.training_noise = training_noise
        self.input_noise = input_noise
        self.clip_norm = clip_norm
        self.init = init
        self.loss = loss
        self.temperature = temperature
        self.enforce_stability = enforce_stability
        self.n_threads = n_threads
        self.seed = seed
        self.verbose = verbose

    # ------------------------------------------------------------------ validation helpers
    def _settings(self):
        name = _model_name(self.model)
        if self.dtype not in ("float64", "float32", np.float64, np.float32):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        if self.init not in ("orthogonal", "complement"):
            raise ValueError(f"init must be 'orthogonal' or 'complement', got {self.init!r}")
        if self.readout not in ("nearest", "strict"):
            raise ValueError(f"readout must be 'nearest' or 'strict', got {self.readout!r}")
        if self.readout == "strict" and name not in ("sa-node", "snt-map"):
            raise ValueError(f"readout='strict' needs sign patterns (sa-node, snt-map), not model={name!r}")
        _check_positive(self.steps, "steps", integer=True)
        _check_positive(self.eval_steps, "eval_steps", integer=True)
        _check_positive(self.dt, "dt")
        _check_positive(self.n_nodes, "n_nodes", integer=True)
        _check_positive(self.lr_eigenvalues, "lr_eigenvalues")
        _check_positive(self.lr_gamma, "lr_gamma")
        _check_positive(self.input_scale, "input_scale", allow_none=False)
        if self.loss not in ("mse", "xent"):
            raise ValueError(f"loss must be 'mse' or 'xent', got {self.loss!r}")
        _check_positive(self.temperature, "temperature", allow_none=False)
        _check_positive(self.training_noise, "training_noise")
        if self.noise is not None and (not isinstance(self.noise, str) or self.noise not in NOISE_MODELS):
            raise ValueError(f"noise must be one of {sorted(NOISE_MODELS)} or None, got {self.noise!r}")
        if self.sigma is not None:
            check_sigma(self.sigma)
        check_input_noise(self.input_noise)
        check_milestones(self.lr_milestones, self.lr_drop)
        if self.training_noise is not None and (name != "cvfr" or self.sigma or self.noise):
            raise ValueError(f"training_noise applies to model='cvfr' without sigma (got model={name!r}, "
                             f"sigma={self.sigma!r}); for noise at prediction too use model='cvfr-stochastic'")
        return name

    def _check_y(self, y, n_classes=None):
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Unknown label type: {kind!r}; y must hold integer class labels 0..K-1")
        y = np.asarray(y)
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
                raise ValueError("y must hold integer class labels 0..K-1, got non-integer values")
            y = y.astype(np.int64)
        if y.dtype.kind not in "iu":
            raise ValueError(f"y must hold integer class labels 0..K-1, got dtype {y.dtype}")
        labels = np.unique(y)
        if labels.size < 2:
            raise ValueError(f"y must hold at least 2 classes (labels 0..K-1), got {labels.tolist()}")
        if labels[0] != 0 or not np.array_equal(labels, np.arange(labels[-1] + 1)):
            raise ValueError(f"y must hold the class labels 0..K-1 with every class present, got labels "
                             f"{labels.tolist()[:20]}; encode them first (e.g. sklearn LabelEncoder)")
        return y.astype(np.int64), int(labels[-1] + 1)

    def _threads(self, n_nodes=None):
        n = self.n_threads
        if n is None:
            n_nodes = self.model_.n_nodes if n_nodes is None else n_nodes
            n = 1 if n_nodes < 512 else None
        else:
            n = _check_positive(n, "n_threads", integer=True)
        return threadpool_limits(limits=n, user_api="blas") if n is not None else contextlib.nullcontext()

    def _pad(self, X):
        """Initial conditions of the items: ``input_scale * X`` zero-padded to the nodes."""
        X = np.asarray(X, dtype=np.float64)
        scale = float(self.input_scale)
        n = self.model_.n_nodes
        if X.shape[1] == n:
            return X * scale if scale != 1.0 else X
        out = np.zeros((X.shape[0], n))
        out[:, : X.shape[1]] = X * scale if scale != 1.0 else X
        return out

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, *, optimizer=None, maxiter=None, batch_size=None, validation=None, lr=None,
            callback=None, progress=None, checkpoint=None, checkpoint_every=1, resume=True, val_every=1,
            chunk=2048):
        """Train on ``(X, y)``; keyword arguments override the constructor's for this call.

        Parameters
        ----------
        X : (n_items, n_features) array of finite floats (pixels scaled to [0, 1])
        y : (n_items,) int, labels 0..K-1
        optimizer, maxiter, batch_size, validation, lr : optional
            See the class parameters.
        callback : callable, optional
            ``callback(intermediate_result)`` after each iteration (L-BFGS) or epoch (Adam); raise
            ``StopIteration`` to stop.
        progress : bool, optional
            Progress bar (default ``verbose``).
        checkpoint : str or path, optional
            ``.npz`` file written every ``checkpoint_every`` iterations; if it exists and ``resume`` is
            true, training continues from it (for L-BFGS the curvature memory restarts).
        val_every : int
            Iterations between validation checks.
        chunk : int
            Items per forward/backward pass (memory is ``chunk x steps x N`` floats).

        Returns
        -------
        self
        """
        name = self._settings()
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_min_samples=2)
        y, K = self._check_y(y)
        optimizer = self.optimizer if optimizer is None else optimizer
        if optimizer not in ("lbfgs", "adam"):
            raise ValueError(f"optimizer must be 'lbfgs' or 'adam', got {optimizer!r}")
        maxiter = _check_positive(self.maxiter if maxiter is None else maxiter, "maxiter", integer=True,
                                  allow_none=False)
        batch_size = _check_positive(self.batch_size if batch_size is None else batch_size, "batch_size",
                                     integer=True)
        if batch_size is None and optimizer == "adam":
            batch_size = 200
        validation = self.validation if validation is None else validation
        if not (isinstance(validation, (int, float, np.floating)) and 0 <= validation < 1):
            raise ValueError(f"validation must be a fraction in [0, 1), got {validation!r}")
        self.classes_ = np.arange(K)
        n_nodes = self.n_nodes if self.n_nodes is not None else MODELS[name][0].default_nodes(X.shape[1], K)
        if n_nodes < X.shape[1]:
            raise ValueError(f"n_nodes={n_nodes} must be >= the number of features {X.shape[1]}")
        if self.noise == "state-dependent":
            raise ValueError("fit: noise='state-dependent' is not supported for training (its pathwise gradient "
                             "is not implemented); fit with noise='additive' or none, then use "
                             "snt.classify.with_noise(clf, 'state-dependent', sigma)")
        self.model_ = make_model(name, n_nodes, K, dtype=np.dtype(self.dtype).type,
                                 sigma=self.sigma if self.training_noise is None else self.training_noise,
                                 noise=self.noise)
        self.model_.loss, self.model_.temperature = self.loss, float(self.temperature)
        cls_lr = MODELS[name][2]
        lr = _check_positive(self.lr if lr is None else lr, "lr")
        lr = cls_lr if lr is None else lr
        self.steps_ = self.steps if self.steps is not None else self.model_.default_steps
        self.dt_ = self.dt if self.dt is not None else self.model_.default_dt
        self.eval_steps_ = self.eval_steps if self.eval_steps is not None else self.steps_
        rng = np.random.default_rng(self.seed)
        params = self.model_.init_params(rng, init=self.init)
        Xp = self._pad(X)
        if validation > 0:
            order = rng.permutation(len(Xp))
            n_val = max(1, int(round(validation * len(Xp))))
            vi, ti = order[:n_val], order[n_val:]
            Xv, yv = Xp[vi], y[vi]
            Xp, y = Xp[ti], y[ti]

            def val_fn(theta):
                p = unpack(self.model_, theta, params.gamma)
                return float(np.mean(self._predict_index(Xv, p) == yv))
        else:
            val_fn = None

        t0 = time.perf_counter()
        with self._threads():
            theta, res = self._train(params, Xp, y, optimizer, maxiter, batch_size, lr, val_fn, val_every,
                                     callback, progress, checkpoint, checkpoint_every, resume, rng, chunk)
        self.model_.clear_workspace()
        if self.training_noise is not None:
            self.model_ = self._noiseless_model()
        self.params_ = unpack(self.model_, theta, params.gamma)
        res.train_time = time.perf_counter() - t0
        with self._threads():
            growth = None
            if self.enforce_stability:
                shrink, growth = self._enforce_stability()
                if shrink < 1.0:
                    res.message += f"; trained eigenvalues scaled by {shrink:.4g} to keep every attractor stable"
                    res.x = pack(self.model_, self.params_)
            self.result_ = res
            self._finish(growth)
        return self

    def _train(self, params, Xp, y, optimizer, maxiter, batch_size, lr, val_fn, val_every, callback,
               progress, checkpoint, checkpoint_every, resume, rng, chunk):
        lower, upper = bounds(self.model_, self.dt_)
        n, m = self.model_.n_nodes, self.model_.n_nodes - self.model_.n_classes
        lr_scale = np.ones(len(lower))              # theta = (vec Phi_tr, lambda_tr, [gamma])
        if self.lr_eigenvalues is not None:
            lr_scale[n * m: n * m + m] = float(self.lr_eigenvalues) / lr
        if self.lr_gamma is not None and self.model_.trains_gamma:
            lr_scale[-1] = float(self.lr_gamma) / lr
        if np.all(lr_scale == 1.0):
            lr_scale = None
        return train(self.model_, pack(self.model_, params), Xp, y, steps=self.steps_, dt=self.dt_,
                     optimizer=optimizer, maxiter=maxiter, batch_size=batch_size, lr=lr,
                     lower=lower, upper=upper, val_fn=val_fn, patience=self.patience,
                     val_every=val_every, callback=callback,
                     progress=self.verbose if progress is None else progress,
                     checkpoint=None if checkpoint is None else str(checkpoint),
                     checkpoint_every=checkpoint_every, resume=resume, rng=rng, chunk=chunk,
                     stochastic=self.model_.stochastic,
                     lr_decay=_check_positive(self.lr_decay, "lr_decay", allow_none=False),
                     lr_scale=lr_scale, ema=self.ema,
                     input_noise=check_input_noise(self.input_noise) * float(self.input_scale),
                     n_features=self.n_features_in_, clip_norm=self.clip_norm,
                     lr_milestones=self.lr_milestones, lr_drop=self.lr_drop)

    def _finish(self, growth=None):
        c = self.model_.coupling(self.params_)
        self.coupling_ = c
        self.attractors_ = self.model_.targets().copy()
        self.eigenvalues_ = getattr(c, "eigenvalues", c.lam).copy()
        g = self.model_.growth_rates(self.params_, c) if growth is None else growth
        self.result_.max_growth_rate = float(g.max())
        self.result_.max_residual = float(self.model_.residuals(self.params_).max())

    def _enforce_stability(self, tol=0.0):
        """Shrink λ_tr by a common factor s in [0, 1] (bisection) until every attractor is stable.
        Returns s and the growth rates of the parameters left in place when they were not changed (else None)."""
        m, p = self.model_, self.params_
        growth = m.growth_rates(p)
        if growth.max() < tol:
            return 1.0, growth

        def stable(s):
            q = Params(p.phi_tr, s * p.lam_tr, p.gamma)
            return m.growth_rates(q).max() < tol

        if not stable(0.0):
            warnings.warn(f"{m.name}: attractors unstable even with the trained eigenvalues set to 0; "
                          "left unchanged", RuntimeWarning, stacklevel=3)
            return 1.0, growth
        lo, hi = 0.0, 1.0
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if stable(mid) else (lo, mid)
        self.params_ = Params(p.phi_tr, lo * p.lam_tr, p.gamma)
        return lo, None

    # ------------------------------------------------------------------ predict
    def _outputs(self, Xp, params, steps=None, noise=None):
        m = self.model_
        steps = self.eval_steps_ if steps is None else steps
        if noise is None and m.stochastic:
            noise = (0 if self.seed is None else int(self.seed), 7919)
        outs = []
        with self._threads():
            c = m.coupling(params)
            for start in range(0, len(Xp), 4096):
                outs.append(m.predict_outputs(params, Xp[start:start + 4096], steps, self.dt_, coupling=c,
                                              noise=None if noise is None else (*np.atleast_1d(noise), start)))
        return np.concatenate(outs).astype(np.float64)

    def _predict_index(self, Xp, params, noise=None):
        out = self._outputs(Xp, params, noise=noise)
        if self.readout == "strict":
            return self.model_.strict_match(out)
        return np.argmin(self.model_.distances(out), axis=1)

    def _check_X(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._pad(X)

    def predict(self, X, *, noise_seed=None):
        """Class of the attractor reached from each item (``-1`` = rejected by the strict readout).

        ``noise_seed`` selects the noise realisation of a stochastic model (default: fixed by ``seed``).
        """
        return self._predict_index(self._check_X(X), self.params_, noise=noise_seed)

    def predict_proba(self, X):
        r"""Inverse-distance probabilities :math:`p_k = d_k^{-1}/\sum_j d_j^{-1}` (the Wilson–Cowan readout)."""
        Xp = self._check_X(X)
        d = self.model_.distances(self._outputs(Xp, self.params_))
        w = 1.0 / np.maximum(d, 1e-300)
        w = np.where(np.isfinite(w), w, 1e300)
        return w / w.sum(1, keepdims=True)

    def decision_function(self, X):
        """Log of :meth:`predict_proba`, (n_items, K); for K = 2 the log-odds of class 1, (n_items,)."""
        lp = np.log(self.predict_proba(X))
        return lp[:, 1] - lp[:, 0] if lp.shape[1] == 2 else lp

    # ------------------------------------------------------------------ analysis
    def trajectories(self, X, steps=None):
        """Trajectories from the items to the attractors as an ``xarray.Dataset``.

        Returns
        -------
        xarray.Dataset
            ``state (item, time, node)`` (the excitatory x for Wilson–Cowan, also ``inhibitory``),
            ``distance (item, time, class)`` to every attractor in output space, ``prediction (item)``.
        """
        Xp = self._check_X(X)
        m = self.model_
        steps = self.eval_steps_ if steps is None else _check_positive(steps, "steps", integer=True)
        c = m.coupling(self.params_)
        noise = (0 if self.seed is None else int(self.seed), 7919, 0) if m.stochastic else None
        traj = m.forward(c.A.astype(m.dtype), self.params_.gamma, m.initial_state(Xp), steps, self.dt_, noise)
        S = np.stack(traj, axis=1).astype(np.float64)           # (item, time, S)
        n = m.n_nodes
        outs = np.stack([m.output(s) for s in traj], axis=1).astype(np.float64)
        dist = np.stack([m.distances(outs[:, t]) for t in range(outs.shape[1])], axis=1)
        data = {"state": (("item", "time", "node"), S[:, :, :n],
                          {"long_name": "excitatory activity x" if m.n_state_blocks == 2 else "node state",
                           "units": "1"}),
                "distance": (("item", "time", "class"), dist,
                             {"long_name": "readout distance to the planted attractor", "units": "1"}),
                "prediction": (("item",), np.argmin(dist[:, -1], axis=1),
                               {"long_name": "predicted class", "units": "1"})}
        if m.n_state_blocks == 2:
            data["inhibitory"] = (("item", "time", "node"), S[:, :, n:],
                                  {"long_name": "inhibitory activity y", "units": "1"})
        dt = self.dt_ if not m.discrete else 1.0
        return xr.Dataset(
            data,
            coords={"item": np.arange(len(Xp)),
                    "time": ("time", np.arange(steps + 1) * dt,
                             {"long_name": "time", "units": "step" if m.discrete else "1"}),
                    "node": np.arange(n), "class": self.classes_},
            attrs={"title": f"{m.name} trajectories", "model": m.name, "steps": steps,
                   "snt_params": json.dumps(self._json_params())})

    def stability(self):
        """Linear stability of every planted attractor as an ``xarray.Dataset`` over ``class``.

        ``growth_rate``: max real part of the Jacobian's eigenvalues (ODE models) or log of the spectral
        radius of the map's Jacobian (SNT map); negative = stable. ``residual``: max-norm of the drift at
        the pattern (0 up to rounding for a planted fixed point). ``stable``: ``growth_rate < 0``.
        """
        check_is_fitted(self)
        g = self.model_.growth_rates(self.params_)
        r = self.model_.residuals(self.params_)
        long = "log spectral radius of the map Jacobian" if self.model_.discrete \
            else "max real part of the Jacobian eigenvalues"
        return xr.Dataset({"growth_rate": ("class", g, {"long_name": long, "units": "1/time"}),
                           "residual": ("class", r, {"long_name": "fixed-point residual (max norm)",
                                                     "units": "1"}),
                           "stable": ("class", g < 0)},
                          coords={"class": self.classes_}, attrs={"model": self.model_.name})

    def deterministic(self):
        r"""The noiseless counterpart of a fitted stochastic classifier.

        A copy with the same trained :math:`\Phi_{tr}, \lambda_{tr}, \gamma` and no noise (the stochastic
        CVFR becomes ``model="cvfr"``). It tells what of the robustness gained by training with noise is carried by the
        coupling itself rather than by the noise at prediction (arXiv:2510.12286 reports that it is inherited).
        Deterministic classifiers are returned as a copy.
        """
        check_is_fitted(self)
        new = copy.deepcopy(self)
        if self.model_.stochastic:
            new.sigma, new.noise = None, None
            if new.model_.name.startswith("cvfr"):
                new.model = "cvfr"
            new.model_ = self._noiseless_model()
        return new

    def _noiseless_model(self):
        name = "cvfr" if self.model_.name.startswith("cvfr") else _model_name(self.model)
        m = make_model(name, self.model_.n_nodes, self.model_.n_classes, dtype=self.model_.dtype)
        m.loss, m.temperature = self.model_.loss, self.model_.temperature
        return m

    # ------------------------------------------------------------------ persistence
    def _json_params(self):
        def plain(v):
            if isinstance(v, (str, int, float, bool, type(None))):
                return v
            if isinstance(v, (list, tuple, np.ndarray)) and np.asarray(v).dtype.kind in "iuf":
                return np.asarray(v).tolist()
            return str(v)
        return {k: plain(v) for k, v in self.get_params().items()}

    def to_dataset(self):
        """The fitted classifier as an ``xarray.Dataset`` (trained parameters + settings as JSON)."""
        check_is_fitted(self)
        p = self.params_
        h = self.result_.history
        return xr.Dataset(
            {"phi_tr": (("node", "mode"), p.phi_tr, {"long_name": "trained eigenvectors", "units": "1"}),
             "lam_tr": (("mode",), p.lam_tr, {"long_name": "trained eigenvalues", "units": "1"}),
             "gamma": ((), p.gamma, {"long_name": "trained dynamical scalar", "units": "1"}),
             "loss": (("iteration",), np.asarray(h["loss"], float), {"long_name": "training loss",
                                                                    "units": "1"}),
             "val_accuracy": (("iteration",), np.asarray(h["val_accuracy"], float),
                              {"long_name": "validation accuracy", "units": "1"})},
            attrs={"title": "snt planted-attractor classifier", "model": self.model_.name,
                   "snt_params": json.dumps(self._json_params()),
                   "n_features_in": int(self.n_features_in_), "n_classes": int(len(self.classes_)),
                   "n_nodes": int(self.model_.n_nodes), "steps": int(self.steps_), "dt": float(self.dt_),
                   "eval_steps": int(self.eval_steps_), "train_time": float(self.result_.train_time),
                   "message": str(self.result_.message), "nit": int(self.result_.nit)})

    @classmethod
    def from_dataset(cls, ds):
        """Rebuild a fitted classifier from :meth:`to_dataset` output."""
        check_classifier_dataset(ds)  # a clear error naming what is missing, not a KeyError
        kw = json.loads(ds.attrs["snt_params"])
        clf = cls(**kw)
        name = clf._settings()
        K = int(ds.attrs["n_classes"])
        clf.classes_ = np.arange(K)
        clf.n_features_in_ = int(ds.attrs["n_features_in"])
        clf.model_ = make_model(name, int(ds.attrs["n_nodes"]), K, dtype=np.dtype(clf.dtype).type,
                                sigma=clf.sigma, noise=clf.noise)
        clf.model_.loss, clf.model_.temperature = clf.loss, float(clf.temperature)
        clf.steps_, clf.dt_ = int(ds.attrs["steps"]), float(ds.attrs["dt"])
        clf.eval_steps_ = int(ds.attrs["eval_steps"])
        clf.params_ = Params(np.asarray(ds["phi_tr"].values, float), np.asarray(ds["lam_tr"].values, float),
                             float(ds["gamma"].values))
        clf.result_ = scipy.optimize.OptimizeResult(
            x=pack(clf.model_, clf.params_), fun=float(ds["loss"].values[-1]) if ds.sizes["iteration"] else np.nan,
            nit=int(ds.attrs["nit"]), nfev=0, success=True, message=str(ds.attrs["message"]),
            history={"loss": ds["loss"].values, "val_accuracy": ds["val_accuracy"].values},
            train_time=float(ds.attrs["train_time"]))
        clf._finish()
        return clf

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
