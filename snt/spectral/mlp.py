r"""SpectralMLP: a multilayer perceptron of spectral layers as a scikit-learn estimator.

Every layer is a :class:`~snt.spectral.layer.SpectralLayer` (docs/science/spectral.md (S1)) and the last
one is linear: logits for classification (softmax cross-entropy), outputs for regression (mean squared
error). Which eigenvalues train follows the authors' two codes (exact from them):

* ``eigenvalues="in"`` (input-relevance code): :math:`\lambda_\mathrm{in}` trained from 1,
  :math:`\lambda_\mathrm{out}` frozen at 0, so :math:`W = \mathrm{diag}(\lambda_\mathrm{in})\varphi`;
  the first layer's :math:`\lambda_\mathrm{in}` rank the input features (:func:`feature_relevance`);
* ``eigenvalues="out"`` (pruning / teacher–student code): :math:`\lambda_\mathrm{in}` frozen at 0,
  :math:`\lambda_\mathrm{out}` trained from 1, so :math:`W_{ji} = -\varphi_{ji}\lambda_{\mathrm{out},i}`;
  the :math:`\lambda_\mathrm{out}` rank the hidden nodes (:func:`node_importance`);
* ``eigenvalues="both"``: both trained (λ_in from 1, λ_out from 0).

``eigen_l2`` and ``base_l2`` are the L2 factors of the trained eigenvalues and of φ in every layer
(the input-relevance Gaussian experiments use 1e-6 and 1e-2). Together they put a group-lasso penalty
:math:`2\sqrt{c_\varphi c_\lambda}\lVert W_{j,:}\rVert` on the row of every input (docs/science/spectral.md
(S4a)); an input whose data gradient stays below that threshold is driven to exactly 0. With 1e-6 the threshold
is below the chance correlations of irrelevant features with the class in 48 000 items (their relevance stays
at 7–10 % of the maximum); 1e-4 removes them but also compresses the differences among the inputs the network
needs. ``select_l2`` separates the two (S4b): select the inputs with a strong eigenvalue L2, then refit with
``eigen_l2`` on them and read the relevance from the refit. Not reproduced: the batch normalisation and
dropout after the first layer of the input-relevance networks.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .layer import ACTIVATIONS, SpectralLayer, glorot_uniform
from .network import SpectralNetwork, blas_threads, fit_adam

__all__ = ["SpectralMLP", "build_layers"]

_CONVENTIONS = {"in": (("phi", "lam_in"), 1.0, 0.0),
                "out": (("phi", "lam_out"), 0.0, 1.0),
                "both": (("phi", "lam_in", "lam_out"), 1.0, 0.0)}


def build_layers(sizes, activations, eigenvalues, eigen_l2, base_l2, bias, rng):
    """Spectral layers ``sizes[k] -> sizes[k+1]`` with the convention ``eigenvalues`` (see module docstring)."""
    if eigenvalues not in _CONVENTIONS:
        raise ValueError(f"eigenvalues must be one of {sorted(_CONVENTIONS)}, got {eigenvalues!r}")
    names, lin0, lout0 = _CONVENTIONS[eigenvalues]
    layers = []
    for k, (a, b) in enumerate(zip(sizes, sizes[1:])):
        train = names + (("bias",) if bias else ())
        l2 = {"phi": base_l2, "lam_in": eigen_l2, "lam_out": eigen_l2}
        layers.append(SpectralLayer(glorot_uniform(rng, a, b), np.full(a, lin0), np.full(b, lout0),
                                    np.zeros(b) if bias else None, activations[k], train, l2))
    return layers


def _check(value, name, kind, low=None, allow_none=False):
    if value is None and allow_none:
        return None
    ok = isinstance(value, (int, np.integer) if kind is int else (int, float, np.integer, np.floating))
    if isinstance(value, bool) or not ok or not np.isfinite(value) or (low is not None and value < low):
        raise ValueError(f"{name} must be {'an integer' if kind is int else 'a number'}"
                         f"{'' if low is None else f' >= {low}'}, got {value!r}")
    return kind(value)


class SpectralMLP(BaseEstimator):
    r"""Multilayer perceptron of spectral layers (numpy, exact gradients, Adam).

    Parameters
    ----------
    hidden : tuple of int
        Hidden layer widths (``()``: a single linear spectral layer).
    activation : str or tuple of str
        Hidden transfer function(s), from ``snt.spectral.layer.ACTIVATIONS``.
    eigenvalues : {"in", "out", "both"}
        Which eigenvalues train (see the module docstring).
    eigen_l2, base_l2 : float
        L2 factors of the trained eigenvalues and of φ.
    bias : bool
        Biases in every layer.
    task : {"auto", "classify", "regress"}
        "auto": classification for integer/binary/multiclass targets, regression for continuous ones.
    lr : float
        Adam rate (the authors' Gaussian experiments: 0.01).
    lr_decay : float
        Factor applied to the rate after every epoch (1: constant, the authors'). With Adam an unused weight
        under L2 settles at a size proportional to the rate (its steps are normalised by the gradient noise),
        so a decaying rate lets the L2 terms zero the rows of irrelevant inputs more cleanly.
    batch_size : int
    epochs : int
    validation : float
        Fraction held out for early stopping on the validation loss (0: none, train all epochs).
    patience : int or None
        Epochs without improvement before stopping.
    dtype : {"float64", "float32"}
    seed : int or None
    verbose : bool
        Progress bar.
    select_l2 : float or None
        Select, then refit (docs/science/spectral.md (S4b)): a first fit with the eigenvalue L2 ``select_l2``
        (a group-lasso threshold :math:`2\sqrt{c_\varphi c_\lambda}` above the chance gradients of unused
        inputs, (S4a)) keeps the inputs whose relevance (S4) exceeds ``select_tol`` of the maximum; the
        estimator is then refitted from the same initialisation with ``eigen_l2`` on those inputs only (the
        others get exactly zero weights, relevance 0). None: one fit with ``eigen_l2``. The chance gradient of
        an unused input falls as :math:`n^{-1/2}` with the number :math:`n` of training items, so the value
        should scale as :math:`1/n`: ``5 / n`` (1e-4 at 48 000 items) removed every chance correlation of the
        Gaussian sets with the four-layer network of the input-relevance code, not with a one-layer network of
        30 tanh nodes on 16 000 items (one irrelevant input kept).
    select_tol : float
        Relative relevance below which the selection fit has removed an input (its row decays towards 0).

    Attributes
    ----------
    network_ : SpectralNetwork
    classes_ : array (classification)
    n_features_in_ : int
    history_ : dict
        ``epoch, loss, val_loss, time`` lists and ``stop`` (why training ended).
    selected_features_ : bool array
        Inputs kept by the selection fit (all True without ``select_l2``).
    selection_history_ : dict or None
        ``history_`` of the selection fit.

    Examples
    --------
    >>> from snt import spectral
    >>> X, y, r = spectral.datasets.independent_gaussians(n_samples=2000, seed=0)
    >>> net = spectral.SpectralMLP(hidden=(20,), epochs=20, seed=0).fit(X, y)
    >>> net.score(X, y) > 0.9
    True
    """

    def __init__(self, hidden=(100, 100, 50), activation="relu", eigenvalues="in", eigen_l2=1e-6,
                 base_l2=1e-2, bias=True, task="auto", lr=0.01, lr_decay=1.0, batch_size=500, epochs=100,
                 validation=0.1, patience=20, dtype="float64", seed=None, verbose=False, select_l2=None,
                 select_tol=1e-3):
        self.hidden = hidden
        self.activation = activation
        self.eigenvalues = eigenvalues
        self.eigen_l2 = eigen_l2
        self.base_l2 = base_l2
        self.bias = bias
        self.task = task
        self.lr = lr
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation = validation
        self.patience = patience
        self.dtype = dtype
        self.seed = seed
        self.verbose = verbose
        self.select_l2 = select_l2
        self.select_tol = select_tol

    def _activations(self, n_hidden):
        acts = (self.activation,) * n_hidden if isinstance(self.activation, str) else tuple(self.activation)
        if len(acts) != n_hidden or any(a not in ACTIVATIONS for a in acts):
            raise ValueError(f"activation must be one of {ACTIVATIONS} or a tuple of {n_hidden} of them, "
                             f"got {self.activation!r}")
        return acts + ("linear",)

    def fit(self, X, y):
        """Train on ``(X, y)``; returns ``self``. With ``select_l2``: select the inputs, then refit on them."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False, multi_output=True)
        hidden = tuple(_check(h, "hidden", int, 1) for h in self.hidden)
        lr = _check(self.lr, "lr", float, 0.0)
        decay = _check(self.lr_decay, "lr_decay", float, 0.0)
        bs = _check(self.batch_size, "batch_size", int, 1)
        epochs = _check(self.epochs, "epochs", int, 1)
        val = _check(self.validation, "validation", float, 0.0)
        if val >= 1:
            raise ValueError(f"validation must be a fraction in [0, 1), got {self.validation!r}")
        patience = _check(self.patience, "patience", int, 1, allow_none=True)
        select_l2 = _check(self.select_l2, "select_l2", float, 0.0, allow_none=True)
        tol = _check(self.select_tol, "select_tol", float, 0.0)
        if tol >= 1:
            raise ValueError(f"select_tol must be a fraction in [0, 1), got {self.select_tol!r}")
        if select_l2 is not None and self.eigenvalues == "out":
            raise ValueError("select_l2 selects inputs by their eigenvalues: it needs eigenvalues='in' or 'both'")
        if self.task not in ("auto", "classify", "regress"):
            raise ValueError(f"task must be 'auto', 'classify' or 'regress', got {self.task!r}")
        kind = type_of_target(y)
        classify = self.task == "classify" or (self.task == "auto" and kind in ("binary", "multiclass"))
        if classify:
            self.classes_, Y = np.unique(y, return_inverse=True)
            n_out = len(self.classes_)
        else:
            Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
            n_out = Y.shape[1]
            self._y_shape = np.shape(y)[1:]
        self._classify = classify
        sizes = (X.shape[1],) + hidden + (n_out,)
        seed = self.seed if self.seed is not None or select_l2 is None else np.random.SeedSequence().entropy
        train = dict(seed=seed, sizes=sizes, classify=classify, lr=lr, decay=decay, bs=bs, epochs=epochs, val=val,
                     patience=patience)
        self.selected_features_ = np.ones(X.shape[1], dtype=bool)
        self.selection_history_ = None
        if select_l2 is not None:
            first, self.selection_history_ = self._train(X, Y, select_l2, None, **train)
            lay = first.layers[0]
            r = np.abs(lay.lam_in.astype(np.float64)) * np.sqrt((lay.phi.astype(np.float64) ** 2).sum(1))
            self.selected_features_ = r > tol * r.max() if r.max() > 0 else np.ones(X.shape[1], dtype=bool)
        keep = None if self.selected_features_.all() else self.selected_features_
        self.network_, self.history_ = self._train(X, Y, float(self.eigen_l2), keep, **train)
        return self

    def _train(self, X, Y, eigen_l2, keep, *, seed, sizes, classify, lr, decay, bs, epochs, val, patience):
        """One fit from the seed's initialisation; inputs outside ``keep`` get zero rows and zero columns, so
        their gradients, Adam moments and weights stay exactly 0."""
        rng = np.random.default_rng(seed)
        layers = build_layers(sizes, self._activations(len(sizes) - 2), self.eigenvalues, eigen_l2,
                              float(self.base_l2), self.bias, rng)
        if keep is not None:
            X = X * keep
            layers[0].phi[~keep] = 0.0
            layers[0].lam_in[~keep] = 0.0
        net = SpectralNetwork(layers, "xent" if classify else "mse", np.dtype(self.dtype).type)
        order = rng.permutation(len(X))
        n_val = int(round(val * len(X)))
        vi, ti = order[:n_val], order[n_val:]
        Xt, Yt = X[ti].astype(net.dtype), Y[ti]

        def fun(theta, idx):
            net.set_theta(theta)
            return net.loss_grad(Xt[idx], Yt[idx])

        val_fn = None
        if n_val:
            Xv, Yv = X[vi].astype(net.dtype), Y[vi]

            def val_fn(theta):
                net.set_theta(theta)
                return net.evaluate(Xv, Yv)[0]

        with blas_threads(sizes[:-1]):
            theta, hist = fit_adam(fun, net.get_theta(), len(Xt), epochs=epochs, batch_size=bs, lr=lr, rng=rng,
                                   val_fn=val_fn, patience=patience, progress=self.verbose, desc="SpectralMLP",
                                   lr_decay=decay)
        net.set_theta(theta)
        return net, hist

    @property
    def layers_(self):
        """The fitted :class:`~snt.spectral.layer.SpectralLayer` list."""
        check_is_fitted(self)
        return self.network_.layers

    def _out(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.network_.output(X.astype(self.network_.dtype)).astype(np.float64)

    def predict(self, X):
        out = self._out(X)
        if self._classify:
            return self.classes_[np.argmax(out, 1)]
        return out.reshape((len(out),) + self._y_shape)

    def predict_proba(self, X):
        if not self._classify:
            raise AttributeError("predict_proba is only available for classification")
        z = self._out(X)
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)

    def score(self, X, y):
        """Accuracy (classification) or R² (regression)."""
        p = self.predict(X)
        return float(np.mean(p == np.asarray(y))) if self._classify else float(r2_score(y, p))
