r"""scikit-learn estimator around the planted-attractor models.

An item :math:`x \in [0, 1]^F` is multiplied by ``input_scale``, zero-padded (or repeated, ``input_map``) to
the :math:`N` nodes, used as the initial condition and integrated for ``steps`` steps of size ``dt``; the
class is that of the nearest planted attractor (or, with ``readout="strict"``, the one whose sign pattern is
matched on every node). Every setting is a field of :class:`~snt.classify.config.Settings`; ``None`` means
automatic (the preset, the model's recipe or a rule on the data), and the resolved settings are the fitted
attribute ``config_``.
"""

from __future__ import annotations

import copy
import inspect
import time
import warnings
from dataclasses import fields, replace

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from . import results
from .base import Params, Workspace
from .config import Settings, parameter_doc
from .cvfr import CVFR
from .double_well import DoubleWell
from .noise import check_sigma
from .objective import bounds, pack, unpack
from .rsn import RSN, ComplexRSN
from .snt_map import SNTMap
from .training import train
from .wilson_cowan import WilsonCowan

__all__ = ["AttractorClassifier", "MODELS", "ALIASES", "make_model"]

#: model name -> (class, constructor keywords, fallback Adam learning rate)
MODELS = {
    "sa-node": (DoubleWell, {}, 1e-3),
    "wilson-cowan": (WilsonCowan, {}, 0.1),
    "cvfr": (CVFR, {"sigma": 0.0}, 5e-3),
    "cvfr-stochastic": (CVFR, {"sigma": 0.1}, 5e-3),
    "snt-map": (SNTMap, {}, 1e-2),
    "rsn": (RSN, {}, 1e-2),
    "c-rsn": (ComplexRSN, {}, 1e-2),
}
ALIASES = {"eodeca": "sa-node", "double-well": "sa-node", "wc": "wilson-cowan", "snt": "snt-map",
           "crsn": "c-rsn", "complex-rsn": "c-rsn"}

#: items of the training set scored for the chance-level check at the end of ``fit``
_CHECK_ITEMS = 2000


def make_model(model, n_nodes, n_classes, dtype=np.float64, sigma=None, noise=None):
    """Build the model object for ``model`` (a name or alias of :data:`MODELS`).

    ``noise`` (:mod:`snt.classify.noise`; default: the CVFR models' damped noise, else ``"additive"`` when
    ``sigma`` is given) and ``sigma`` set the noise of the dynamics.
    """
    from .config import model_name

    cls, kw, _ = MODELS[model_name("model", model)]
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
        return m
    return m.set_noise(m.default_noise if noise is None else noise, sigma)


class AttractorClassifier(ClassifierMixin, BaseEstimator):
    r"""Planted-attractor classifier: items flow to the attractor of their class.

    The coupling :math:`A = \Phi\Lambda\Phi^{-1}` keeps :math:`K` class patterns as exact fixed points of
    the chosen dynamics; the free eigenvectors, eigenvalues and (where present) the scalar γ are trained
    with exact discrete-adjoint gradients (see :mod:`snt.classify.spectral` and the model modules).

    With no options every model trains with its digits recipe (cross-entropy of the nearest-attractor
    readout, Adam with a decaying rate), the network size, batch size, input scale and number of epochs
    derived from the data; ``preset="paper"`` gives the papers' protocol and ``preset="digits"``,
    ``"fashion-mnist"``, ``"mnist"`` the recipes of :mod:`snt.classify.presets`. Every parameter defaults to
    ``None`` (automatic) unless stated; the values used are in ``config_`` after ``fit``.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : (K,) array
        The labels, sorted (``numpy.unique``); class ``k`` is planted pattern ``k``.
    n_features_in_ : int
    config_ : Settings
        The resolved settings (every automatic one filled in).
    feature_min_, feature_range_ : (F,) float64 or None
        Set when the training items were outside [0, 1]: they were rescaled per feature to [0, 1] by
        :math:`(x - \min)/\mathrm{range}` (with a warning), and so are the items given to ``predict``. Items
        given to ``predict`` are then clipped to [0, 1] (with a warning when far outside, in [-1, 2]).
    model_ : PlantedModel
    params_ : Params
    result_ : scipy.optimize.OptimizeResult
        ``x, fun, nit, nfev, success, message, history`` (dict of arrays ``nit, loss, val_accuracy,
        time``), ``best_val_accuracy``, ``n_clipped``, ``train_time`` (s), ``train_accuracy`` (on up to
        2000 training items), ``max_growth_rate``, ``max_residual``.
    attractors_ : (K, N) float64
        Planted patterns (in the space compared by the loss: x for Wilson–Cowan, rates for CVFR).
    eigenvalues_ : (N,) float64 or complex128
        Spectrum of :math:`A` (trained then planted eigenvalues; complex for ℂ-RSN).

    Notes
    -----
    Stability: for the double well and the SNT map the eigenvalue boxes make every attractor stable for
    every admissible γ; for Wilson–Cowan and CVFR :meth:`stability` is checked after training and, with
    ``enforce_stability``, restored by shrinking :math:`\lambda_{{tr}}`. A fit whose training accuracy is at
    chance level warns (``RuntimeWarning``) with the likely cause.

    References
    ----------
    .. [1] arXiv:2311.10387, arXiv:2312.14681 (SA-nODE/EODECA); arXiv:2406.16453 (Wilson–Cowan);
           arXiv:2409.13470 (CVFR).

    Examples
    --------
    >>> from snt.classify import AttractorClassifier, load_dataset
    >>> X, y, Xt, yt = load_dataset("digits")
    >>> clf = AttractorClassifier(model="sa-node", steps=20, n_nodes=64, maxiter=5, batch_size=50, lr=2e-2,
    ...                           random_state=0).fit(X, y)
    >>> clf.score(Xt, yt) > 0.5
    True
    """

    def __init__(self, model="sa-node", **kwargs):
        unknown = sorted(set(kwargs) - _PARAM_NAMES)
        if unknown:
            raise TypeError(f"AttractorClassifier got unexpected parameter(s) {unknown}; the parameters are "
                            f"{sorted(_PARAM_NAMES)}")
        self.model = model
        for f in fields(Settings):
            if f.name != "model":
                setattr(self, f.name, kwargs.get(f.name, f.default))

    # ------------------------------------------------------------------ settings
    def _settings(self):
        """The parameters as a validated :class:`Settings` (errors name the parameter)."""
        return Settings(**self.get_params())

    def _threads(self):
        """The BLAS limit of a fit or a prediction: ``n_threads``, by default 1 (see its description)."""
        n = self.config_.n_threads
        return threadpool_limits(limits=1 if n is None else n, user_api="blas")

    def _pad(self, X):
        """Initial conditions of the items: ``input_scale * X`` zero-padded to the nodes, or repeated over
        them (``input_map="tile"``; a classifier saved before the option existed pads)."""
        X = np.asarray(X, dtype=np.float64)
        scale = float(self.config_.input_scale)
        n = self.model_.n_nodes
        X = X * scale if scale != 1.0 else X
        if (self.config_.input_map or "pad") == "tile":
            return np.ascontiguousarray(X[:, np.arange(n) % X.shape[1]])    # node i: feature i mod F
        out = np.zeros((X.shape[0], n))
        out[:, : X.shape[1]] = X
        return out

    def _check_range(self, X):
        """Items in [0, 1] as the models expect: rescaled with the training minimum and range if fit did, then
        clipped to [0, 1] (a warning when they are far outside it, i.e. scaled differently from the training
        items)."""
        if self.feature_min_ is not None:
            X = (X - self.feature_min_) / self.feature_range_
        lo, hi = float(X.min(initial=0.0)), float(X.max(initial=0.0))
        if lo < -1.0 or hi > 2.0:
            warnings.warn(f"X has values in [{lo:.4g}, {hi:.4g}] after the training set's scaling, far outside "
                          "the [0, 1] of the training items (scaled differently?); they are clipped to [0, 1]",
                          RuntimeWarning, stacklevel=4)
        return np.clip(X, 0.0, 1.0) if lo < 0 or hi > 1 else X

    def _check_y(self, y):
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Unknown label type: {kind!r}; y must hold class labels (binary or multiclass)")
        classes, index = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(f"y must hold at least 2 classes, got {classes.tolist()}")
        return classes, index.astype(np.int64).ravel()

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Train on ``(X, y)``.

        Parameters
        ----------
        X : (n_items, n_features) array of finite floats
            Items scaled to [0, 1] (pixels / 255); other ranges are rescaled per feature with a warning.
        y : (n_items,) array of hashable labels
            At least two classes.

        Returns
        -------
        self
        """
        cfg = self._settings()
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_min_samples=2)
        self.classes_, y = self._check_y(y)
        K = len(self.classes_)
        self.feature_min_ = self.feature_range_ = None
        lo, hi = float(X.min()), float(X.max())
        if lo < 0 or hi > 1:
            self.feature_min_ = X.min(0)
            rng_ = X.max(0) - self.feature_min_
            self.feature_range_ = np.where(rng_ > 0, rng_, 1.0)
            warnings.warn(f"X has values in [{lo:.4g}, {hi:.4g}]; the models expect items in [0, 1] (their "
                          "initial conditions): every feature was rescaled to [0, 1] with its training minimum "
                          "and range (feature_min_, feature_range_), and so will be the items given to predict. "
                          "Scale the data to [0, 1] first (e.g. pixels / 255 or MinMaxScaler) to silence this.",
                          RuntimeWarning, stacklevel=2)
            X = (X - self.feature_min_) / self.feature_range_
        cfg = cfg.resolve(len(X), X.shape[1], K)
        if cfg.readout == "strict" and (self.classes_.dtype.kind not in "iu" or -1 in self.classes_):
            raise ValueError("readout='strict' predicts -1 for rejected items: it needs integer labels other "
                             f"than -1, got {self.classes_.tolist()[:10]}")
        if cfg.n_nodes < X.shape[1]:
            raise ValueError(f"n_nodes={cfg.n_nodes} must be >= the number of features {X.shape[1]}")
        if cfg.noise == "state-dependent" and cfg.model not in ("sa-node", "wilson-cowan"):
            raise ValueError(f"fit: noise='state-dependent' trains the double well and Wilson-Cowan only (their "
                             f"adjoint differentiates the amplitude sigma*sqrt|s|); model={cfg.model!r} has no "
                             "such adjoint: fit with noise='additive' or none, then run it with "
                             "snt.classify.with_noise(clf, 'state-dependent', sigma)")
        model = make_model(cfg.model, cfg.n_nodes, K, dtype=np.dtype(cfg.dtype).type,
                           sigma=cfg.training_noise if cfg.training_noise else cfg.sigma, noise=cfg.noise)
        model.loss, model.temperature = cfg.loss, cfg.temperature
        steps = cfg.steps if cfg.steps is not None else model.default_steps
        cfg = replace(cfg, lr=cfg.lr if cfg.lr is not None else MODELS[cfg.model][2], steps=steps,
                      dt=cfg.dt if cfg.dt is not None else model.default_dt,
                      eval_steps=cfg.eval_steps if cfg.eval_steps is not None else steps)
        self.config_, self.model_ = cfg, model
        self.steps_, self.dt_, self.eval_steps_ = cfg.steps, cfg.dt, cfg.eval_steps
        rng = np.random.default_rng(cfg.rng_seed)
        params = model.init_params(rng, init=cfg.init)
        Xp = self._pad(X)
        Xtr, ytr = Xp, y
        val_fn = None
        if cfg.validation > 0:
            order = rng.permutation(len(Xp))
            n_val = max(1, int(round(cfg.validation * len(Xp))))
            vi, ti = order[:n_val], order[n_val:]
            Xv, yv = Xp[vi], y[vi]
            Xtr, ytr = Xp[ti], y[ti]

            def val_fn(theta):
                p = unpack(model, theta, params.gamma)
                return float(np.mean(self._predict_index(Xv, p) == yv))

        t0 = time.perf_counter()
        with self._threads():
            lower, upper = bounds(model, cfg.dt)
            theta, info = train(model, pack(model, params), Xtr, ytr, cfg, lower=lower, upper=upper, rng=rng,
                                val_fn=val_fn, lr_scale=self._lr_scale(), n_features=self.n_features_in_,
                                work=Workspace())
        train_time = time.perf_counter() - t0
        if cfg.training_noise:
            self.model_ = self._noiseless_model()
        self.params_ = unpack(self.model_, theta, params.gamma)
        with self._threads():
            growth = None
            if cfg.enforce_stability:
                shrink, growth = self._enforce_stability()
                if shrink < 1.0:
                    info["message"] += f"; trained eigenvalues scaled by {shrink:.4g} to keep every attractor stable"
                    info["x"] = pack(self.model_, self.params_)
            check = np.random.default_rng(0).permutation(len(Xp))[:_CHECK_ITEMS]
            train_acc = float(np.mean(self._predict_index(Xp[check], self.params_) == y[check]))
            self._finish(info, train_time, train_acc, growth)
        self._warn_if_chance(y[check], train_acc)
        return self

    def _lr_scale(self):
        """Per-parameter rate factors of ``lr_eigenvalues`` and ``lr_gamma`` (None when both are ``lr``)."""
        cfg, m = self.config_, self.model_
        lower, _ = bounds(m, cfg.dt)
        n, k = m.n_nodes, m.n_nodes - m.n_classes
        scale = np.ones(len(lower))              # theta = (vec Phi_tr, lambda_tr, [gamma])
        if cfg.lr_eigenvalues is not None:
            scale[n * k: n * k + k] = cfg.lr_eigenvalues / cfg.lr
        if cfg.lr_gamma is not None and m.trains_gamma:
            scale[-1] = cfg.lr_gamma / cfg.lr
        return None if np.all(scale == 1.0) else scale

    def _finish(self, info, train_time, train_acc, growth=None):
        c = self.model_.coupling(self.params_)
        self.coupling_ = c
        self.attractors_ = self.model_.targets().copy()
        self.eigenvalues_ = c.eigenvalues.copy()
        g = self.model_.growth_rates(self.params_, c) if growth is None else growth
        self.result_ = scipy.optimize.OptimizeResult(
            **info, train_time=float(train_time), train_accuracy=float(train_acc), max_growth_rate=float(g.max()),
            max_residual=float(self.model_.residuals(self.params_).max()))

    def _warn_if_chance(self, y, acc):
        """Warn when the training accuracy is not above that of always predicting the commonest class."""
        counts = np.bincount(y, minlength=len(self.classes_))
        base = counts.max() / counts.sum()
        # two binomial standard deviations above the majority rate
        if acc > base + 2.0 * np.sqrt(base * (1 - base) / len(y)):
            return
        cfg = self.config_
        causes = []
        if cfg.loss == "mse":
            causes.append("the mean squared error has a class-blind minimum (every item at a state equally far "
                          "from every pattern): use loss='xent'")
        if cfg.maxiter < 5 or cfg.lr < 1e-4:
            causes.append(f"too little training (maxiter={cfg.maxiter}, lr={cfg.lr:g})")
        causes.append("items that do not differ in the features the dynamics sees (constant or nearly constant "
                      f"inputs; input_scale={cfg.input_scale:g})")
        warnings.warn(f"{self.model_.name}: training accuracy {acc:.3f} is at chance level (the commonest class "
                      f"is {base:.3f} of the items); likely cause: " + "; or ".join(causes),
                      RuntimeWarning, stacklevel=3)

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
    def _noise_key(self):
        return (0 if self.config_.rng_seed is None else int(self.config_.rng_seed), 7919)

    def _outputs(self, Xp, params, steps=None, noise=None):
        m = self.model_
        steps = self.eval_steps_ if steps is None else steps
        if noise is None and m.stochastic:
            noise = self._noise_key()
        outs = []
        with self._threads():
            c = m.coupling(params)
            for start in range(0, len(Xp), 4096):
                outs.append(m.predict_outputs(params, Xp[start:start + 4096], steps, self.dt_, coupling=c,
                                              noise=None if noise is None else (*np.atleast_1d(noise), start)))
        return np.concatenate(outs).astype(np.float64)

    def _predict_index(self, Xp, params, noise=None):
        out = self._outputs(Xp, params, noise=noise)
        if self.config_.readout == "strict":
            return self.model_.strict_match(out)
        return np.argmin(self.model_.distances(out), axis=1)

    def _check_X(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._pad(self._check_range(X))

    def predict(self, X, *, noise_seed=None):
        """Label of the attractor reached from each item (``-1`` = rejected by the strict readout).

        ``noise_seed`` selects the noise realisation of a stochastic model (default: fixed by the seed).
        """
        idx = self._predict_index(self._check_X(X), self.params_, noise=noise_seed)
        if self.config_.readout == "strict":
            return np.where(idx >= 0, self.classes_[np.maximum(idx, 0)], -1)
        return self.classes_[idx]

    def predict_proba(self, X):
        r"""Class probabilities: a softmax of the negative readout distances at the training temperature.

        .. math:: p_k = \frac{e^{-d_k/\tau}}{\sum_l e^{-d_l/\tau}}, \qquad
                  \tau = \mathtt{temperature}\cdot\min_{k\ne l} d(t_k, t_l),

        with :math:`d_k` the distance of the final state to attractor :math:`k` used by :meth:`predict` (so
        the most probable class is the predicted one) and :math:`\tau` the temperature of the cross-entropy
        loss in units of the smallest distance between two attractors. With ``loss='xent'`` (and the
        squared Euclidean readout) these are the probabilities the training maximised; they are not
        calibrated otherwise (e.g. with ``CalibratedClassifierCV``).
        """
        Xp = self._check_X(X)
        m = self.model_
        d = m.distances(self._outputs(Xp, self.params_))
        t = m.distances(m.targets())
        tau = self.config_.temperature * float(t[~np.eye(len(t), dtype=bool)].min())
        z = -d / tau
        z -= z.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)

    def decision_function(self, X):
        """Negative readout distances over the temperature, (n_items, K) (:meth:`predict_proba` before the
        softmax); for K = 2 the log-odds of ``classes_[1]``, (n_items,)."""
        lp = np.log(np.maximum(self.predict_proba(X), 1e-300))
        return lp[:, 1] - lp[:, 0] if lp.shape[1] == 2 else lp

    # ------------------------------------------------------------------ analysis
    def trajectories(self, X, steps=None):
        """Trajectories from the items to the attractors as an ``xarray.Dataset`` (see
        :func:`snt.classify.results.trajectories`)."""
        return results.trajectories(self, self._check_X(X), steps)

    def stability(self):
        """Linear stability of every planted attractor (see :func:`snt.classify.results.stability`)."""
        check_is_fitted(self)
        return results.stability(self)

    def deterministic(self):
        r"""The noiseless counterpart of a fitted stochastic classifier.

        A copy with the same trained :math:`\Phi_{tr}, \lambda_{tr}, \gamma` and no noise (the stochastic
        CVFR becomes ``model="cvfr"``). It tells what of the robustness gained by training with noise is carried
        by the coupling itself rather than by the noise at prediction (arXiv:2510.12286 reports that it is
        inherited). Deterministic classifiers are returned as a copy.
        """
        check_is_fitted(self)
        new = copy.deepcopy(self)
        if self.model_.stochastic:
            new.sigma, new.noise = None, None
            name = self.config_.model
            if self.model_.name.startswith("cvfr"):
                new.model = name = "cvfr"
            new.model_ = self._noiseless_model()
            new.config_ = replace(self.config_, model=name, sigma=None, noise=None)
        return new

    def _noiseless_model(self):
        name = "cvfr" if self.model_.name.startswith("cvfr") else self.config_.model
        m = make_model(name, self.model_.n_nodes, self.model_.n_classes, dtype=self.model_.dtype)
        m.loss, m.temperature = self.model_.loss, self.model_.temperature
        return m

    # ------------------------------------------------------------------ persistence
    def to_dataset(self):
        """The fitted classifier as an ``xarray.Dataset`` (see :func:`snt.classify.results.to_dataset`)."""
        check_is_fitted(self)
        return results.to_dataset(self)

    @classmethod
    def from_dataset(cls, ds):
        """Rebuild a fitted classifier from :meth:`to_dataset` output."""
        return results.from_dataset(cls, ds)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


_PARAM_NAMES = frozenset(f.name for f in fields(Settings))
AttractorClassifier.__init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
     inspect.Parameter("model", inspect.Parameter.POSITIONAL_OR_KEYWORD, default="sa-node")]
    + [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default)
       for f in fields(Settings) if f.name != "model"])
AttractorClassifier.__doc__ = (AttractorClassifier.__doc__ or "").replace("{{", "{").replace("}}", "}").replace(
    "{parameters}", parameter_doc().replace("\n", "\n    "))
