r"""Generation and conditional generation from the LNA distributions of a noisy planted-attractor classifier.

The protocol is a reconstruction (the generation section of arXiv:2510.12286 could not be read; only its
abstract: samples of the target distribution fed to a feed-forward network yield a generative scheme,
conditional on the class by merging classification and generation; docs/science/stochastic.md (L8)-(L10)):

1. a fitted noisy classifier gives, per class, the LNA Gaussian :math:`\mathcal N(s^*_k, C_k)`
   (:func:`snt.classify.lna`);
2. a decoder :math:`G` is trained on pairs (noisy final state, item): every training item is integrated
   ``n_noise`` times by the noisy dynamics for the classifier's evaluation horizon and :math:`G` regresses the
   item on the final state :math:`s_T` (L8);
3. conditional generation of class k: a latent state z is drawn from a Gaussian of class k and decoded,
   item :math:`G(z)` clipped to [0, 1] (L9); the generated items are then re-classified (they should be
   classified as k). ``latent="endpoint"`` (the default) draws z from :math:`\mathcal N(m_k, \Sigma_k)`, the
   mean and covariance of the final states the class-k training items reach (the pairs the decoder was
   trained on, noise included; L11); ``latent="lna"`` draws it from the LNA Gaussian
   :math:`\mathcal N(s^*_k, C_k)` (L11);
4. traversal of class k along principal axis a of the latent Gaussian:
   :math:`z(t) = \bar z_k + t\sqrt{\mu_a}\,u_a` (L10), decoded.

Why the endpoint Gaussian is the default. Within the classifier's horizon the items do not reach the LNA
region: on MNIST pooled to 14 x 14 (3000 training items) the final states of a class lie 3.4-4.7 from their
attractor (attractors 5.7 apart), with a total variance of 3-7 against 0.37 for the LNA; run longer, they
wander rather than settle. The LNA samples are then far outside the states the decoder was trained on, and
what it returns there is an extrapolation: the decoded attractors of classes 1 and 7 are classified as 8 by a
logistic regression on the pixels, and LNA samples of those classes are accepted as their class 0.0 and
0.12 of the time, against 0.96-1.0 from the endpoint Gaussian (docs/science/stochastic.md (L11)).
``endpoint_`` records, per class, how far the attractor lies inside the endpoint cloud
(``attractor_support``); a class whose attractor lies outside every training endpoint (its LNA samples are
an extrapolation of the decoder) is named in ``lna_outside_``.

Why these decoders. The final state of an item carries the item through the components of
:math:`s_T - s^*_k` along the slowest-decaying modes of the linearised flow, which are also the widest axes
of :math:`C_k`; the map from those components back to pixels is nonlinear (items of one class differ by
strokes, not by a linear family), so the default decoder is scikit-learn's ``MLPRegressor`` (one hidden
layer of ReLU units, Adam, weight decay ``alpha``) after a ``StandardScaler`` (the state variables range
from fluctuations of ~σ to class-separating jumps of ~1). It is the feed-forward network the abstract names,
fits a 1437-item digits set in seconds and has no dependency outside scikit-learn. ``decoder="ridge"`` is
the linear baseline (``Ridge``): its generated items are affine in :math:`z`, hence the class mean plus
Gaussian pixel fluctuations.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr
from sklearn.base import BaseEstimator
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .lna import lna

__all__ = ["Generator", "final_states"]

_NO_SAMPLES = ("deterministic", "noise-vanishes", "unstable")


def _image_shape(n_features):
    side = int(round(np.sqrt(n_features)))
    return (side, side) if side * side == n_features else (1, n_features)


def final_states(clf, X, seed=None, repeats=1):
    r"""Final states :math:`s_T` (all state variables) of the noisy dynamics of a fitted classifier.

    Each item is integrated ``repeats`` times (independent noise) for ``clf.eval_steps_`` steps; row
    ``r * n_items + i`` is repeat r of item i. Noise of repeat r, chunk c: ``default_rng([entropy, r, c])``.

    Returns
    -------
    (repeats * n_items, S) float64
    """
    m = clf.model_
    Xp = clf._check_X(X)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    A = clf.coupling_.A.astype(m.dtype)
    out = []
    with clf._threads():
        for r in range(repeats):
            for c, start in enumerate(range(0, len(Xp), 4096)):
                s0 = m.initial_state(Xp[start:start + 4096])
                key = [int(ss.entropy), r, c] if m.stochastic else None
                traj = m.forward(A, clf.params_.gamma, s0, clf.eval_steps_, clf.dt_, key, keep=False)
                out.append(np.asarray(traj[-1], dtype=np.float64))
    return np.concatenate(out)


class Generator(BaseEstimator):
    r"""Conditional generator on the LNA distributions of a fitted noisy classifier (module docstring).

    Parameters
    ----------
    clf : AttractorClassifier
        Fitted, with noise that survives at the attractors (``noise="additive"`` or ``"state-dependent"``).
    decoder : {"mlp", "ridge"}
    hidden_layer_sizes : tuple of int
        Of the MLP decoder.
    alpha : float
        Weight decay of the MLP, or the Ridge penalty.
    max_iter : int
        MLP epochs (at most; training stops when 10 % of the pairs held out stop improving).
    n_noise : int
        Noisy integrations per training item (pairs per item).
    method : {"discrete", "continuous"}
        LNA used for sampling (:func:`snt.classify.lna`) with ``latent="lna"``.
    latent : {"endpoint", "lna"}
        Gaussian of class k the latent states are drawn from: the final states of the class's training
        pairs (``"endpoint"``, L11) or the LNA around the attractor (``"lna"``, L11). Both are computed by
        :meth:`fit` and the decoder does not depend on the choice, so it may be changed after fitting
        (``gen.set_params(latent="lna")``).
    pairs : {"correct", "all"}
        With labels ``y`` in :meth:`fit`, ``"correct"`` keeps the pairs whose final state is nearest to the
        attractor of the item's own class (a misclassified item would teach the decoder that attractor k
        looks like another class; 600 MNIST items pooled to 14 x 14, training accuracy ~0.8, ridge decoder:
        re-classification 0.99 against 0.95 with ``"all"``); ``"all"`` keeps every pair (also the behaviour
        without ``y``).
    seed : int or None
        Seed of the decoder's initialisation and of the training noise.

    Attributes
    ----------
    lna_ : xarray.Dataset
    endpoint_ : xarray.Dataset
        Per class: ``mean (class, node)``, ``covariance (class, node, node2)``, its eigen-decomposition
        (``cov_eigenvalue``, ``cov_eigenvector``), ``n_pairs``, ``attractor_offset`` (distance from the
        mean to the attractor), ``attractor_mahalanobis`` (the same in the metric of the covariance) and
        ``attractor_support`` (fraction of the class's training final states at least as far from the mean,
        in that metric, as the attractor: 0 means the LNA Gaussian sits outside every state the decoder saw).
    lna_outside_ : list of int
        Classes with ``attractor_support`` 0 (their LNA samples are an extrapolation of the decoder).
    decoder_ : sklearn Pipeline
    image_shape_ : tuple
    train_r2_ : float
        :math:`R^2` of the decoder on its training pairs (pixels weighted by their variance).
    kept_fraction_ : float
        Fraction of the (final state, item) pairs the decoder was trained on (``pairs``).
    """

    def __init__(self, clf, decoder="mlp", hidden_layer_sizes=(256,), alpha=1e-3, max_iter=300, n_noise=4,
                 method="discrete", pairs="correct", latent="endpoint", seed=None):
        self.clf, self.decoder = clf, decoder
        self.hidden_layer_sizes, self.alpha, self.max_iter = hidden_layer_sizes, alpha, max_iter
        self.n_noise, self.method, self.pairs, self.latent, self.seed = n_noise, method, pairs, latent, seed

    def _check_fitted(self):
        check_is_fitted(self, "decoder_")

    def _make_decoder(self):
        if self.decoder == "mlp":
            reg = MLPRegressor(hidden_layer_sizes=tuple(self.hidden_layer_sizes), alpha=float(self.alpha),
                               max_iter=int(self.max_iter), early_stopping=True, n_iter_no_change=10,
                               random_state=self.seed)
        elif self.decoder == "ridge":
            reg = Ridge(alpha=float(self.alpha))
        else:
            raise ValueError(f"decoder must be 'mlp' or 'ridge', got {self.decoder!r}")
        return make_pipeline(StandardScaler(), reg)

    def fit(self, X, y=None):
        """Train the decoder on (noisy final state, item) pairs of the items ``X``; the class enters through
        the attractor the item flows to, and the labels ``y`` (optional) select the pairs (``pairs``)."""
        check_is_fitted(self.clf)
        if self.pairs not in ("correct", "all"):
            raise ValueError(f"pairs must be 'correct' or 'all', got {self.pairs!r}")
        if self.latent not in ("endpoint", "lna"):
            raise ValueError(f"latent must be 'endpoint' or 'lna', got {self.latent!r}")
        if isinstance(self.n_noise, bool) or not isinstance(self.n_noise, (int, np.integer)) or self.n_noise < 1:
            raise ValueError(f"n_noise must be a positive integer, got {self.n_noise!r}")
        if not (np.isfinite(self.alpha) and self.alpha >= 0):
            raise ValueError(f"alpha must be a finite number >= 0, got {self.alpha!r}")
        reg = self._make_decoder()
        ds = lna(self.clf, method=self.method)
        bad = [(k, s) for k, s in enumerate(ds.status.values) if s in _NO_SAMPLES]
        if bad:
            raise ValueError(f"Generator: the LNA distributions are point masses or undefined ({bad}); "
                             f"{ds.attrs['note']}. Fit the classifier with noise that survives at the attractors "
                             "(noise='additive', sigma > 0)")
        X = np.asarray(X, dtype=np.float64)
        ss = np.random.SeedSequence(self.seed)
        Z = final_states(self.clf, X, seed=ss, repeats=int(self.n_noise))
        T = np.tile(X, (int(self.n_noise), 1))
        keep = np.ones(len(Z), dtype=bool)
        st = ds.attractor.values
        near = np.argmin(((Z[:, None, :] - st[None]) ** 2).sum(-1), axis=1)
        cls = near                                   # the class of a pair: its label, else its attractor
        if y is not None:
            y = np.asarray(y)
            if len(y) != len(X):
                raise ValueError(f"y has {len(y)} labels for {len(X)} items")
            idx = np.searchsorted(self.clf.classes_, y).clip(0, len(self.clf.classes_) - 1)
            if np.any(self.clf.classes_[idx] != y):
                raise ValueError("y holds labels the classifier was not fitted on")
            cls = np.tile(idx, int(self.n_noise))
            if self.pairs == "correct":
                keep = near == cls
                if keep.sum() < 2:
                    raise ValueError("pairs='correct': fewer than 2 items flow to their own class's attractor")
        Z, T, cls = Z[keep], T[keep], cls[keep]
        import warnings
        from sklearn.exceptions import ConvergenceWarning
        with warnings.catch_warnings(), self.clf._threads():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg.fit(Z, T)
        self.lna_, self.decoder_ = ds, reg
        self.endpoint_ = _endpoint_gaussians(Z, cls, st)
        sup = self.endpoint_.attractor_support.values
        self.lna_outside_ = [int(k) for k in np.flatnonzero(sup == 0.0)]
        self.n_features_ = X.shape[1]
        self.kept_fraction_ = float(keep.mean())
        self.image_shape_ = _image_shape(X.shape[1])
        self.train_r2_ = float(r2_score(T, reg.predict(Z), multioutput="variance_weighted"))
        return self

    # ------------------------------------------------------------------ generation
    def _label(self, label):
        K = self.lna_.sizes["class"]
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < K:
            raise ValueError(f"label must be a class index in [0, {K}), got {label!r}")
        return int(label)

    def decode(self, Z):
        """Items :math:`G(z)` of latent states ``Z`` (n, S), clipped to [0, 1]."""
        self._check_fitted()
        return np.clip(self.decoder_.predict(np.atleast_2d(Z)), 0.0, 1.0)

    def _gaussian(self, k):
        """Centre, principal variances and axes of the latent Gaussian of class k (``latent``)."""
        if self.latent not in ("endpoint", "lna"):
            raise ValueError(f"latent must be 'endpoint' or 'lna', got {self.latent!r}")
        g = self.endpoint_ if self.latent == "endpoint" else self.lna_
        centre = g["mean" if self.latent == "endpoint" else "attractor"].values[k]
        return centre, np.maximum(g.cov_eigenvalue.values[k], 0.0), g.cov_eigenvector.values[k]

    def latent_samples(self, n, label, seed=None):
        r"""Latent states of class ``label`` (n, S): :math:`z \sim \mathcal N(m_k, \Sigma_k)`
        (``latent="endpoint"``, L11) or :math:`\mathcal N(s^*_k, C_k)` (``latent="lna"``, L11), by the
        eigen-decomposition of the covariance (eigenvalues clipped at 0)."""
        self._check_fitted()
        k = self._label(label)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        centre, lam, U = self._gaussian(k)
        eps = np.random.default_rng(seed).standard_normal((int(n), len(lam)))
        return centre + (eps * np.sqrt(lam)) @ U.T

    def _dataset(self, items, Z, dim, coords, labels, title):
        return xr.Dataset(
            {"generated": ((dim, "feature"), items, {"long_name": "generated item", "units": "1"}),
             "latent": ((dim, "node"), Z, {"long_name": "latent state (attractor space)", "units": "1"}),
             "label": (dim, np.asarray(labels), {"long_name": "class the latent was drawn for"})},
            coords={dim: coords, "feature": np.arange(self.n_features_), "node": np.arange(Z.shape[1])},
            attrs={"title": title, "image_shape": list(self.image_shape_), "decoder": self.decoder,
                   "latent": self.latent, "method": self.method, "model": self.clf.model_.name,
                   "protocol": "reconstruction, docs/science/stochastic.md (L8)-(L10)"})

    def sample(self, n=16, label=0, seed=None):
        """Conditional generation: ``n`` items of class ``label``, an (item, feature) Dataset (L9)."""
        Z = self.latent_samples(n, label, seed)
        return self._dataset(self.decode(Z), Z, "item", np.arange(len(Z)), np.full(len(Z), self._label(label)),
                             f"items generated for class {label}")

    def traverse(self, label=0, axis=0, steps=9, extent=3.0):
        r"""Items decoded along principal axis ``axis`` of the latent Gaussian of class k (:math:`\Sigma_k`
        around :math:`m_k`, or :math:`C_k` around :math:`s^*_k` with ``latent="lna"``), from :math:`-` to
        :math:`+` ``extent`` standard deviations (L10); ``step`` coordinate ``t`` in standard deviations."""
        self._check_fitted()
        k = self._label(label)
        S = self.lna_.sizes["mode"]
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not 0 <= axis < S:
            raise ValueError(f"axis must be a principal-axis index in [0, {S}), got {axis!r}")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
            raise ValueError(f"steps must be an integer >= 2, got {steps!r}")
        if not (np.isfinite(extent) and extent > 0):
            raise ValueError(f"extent must be a positive number of standard deviations, got {extent!r}")
        t = np.linspace(-extent, extent, int(steps))
        centre, lam, U = self._gaussian(k)
        Z = centre + np.outer(t * np.sqrt(lam[axis]), U[:, axis])
        ds = self._dataset(self.decode(Z), Z, "step", t, np.full(len(t), k),
                           f"traversal of class {k} along principal axis {axis}")
        ds["step"].attrs.update(long_name="position along the axis", units="standard deviations")
        ds.attrs["axis"] = int(axis)
        return ds

    def reclassify(self, n=100, seed=None, classifier=None):
        """Generate ``n`` items per class and classify them (with the generating classifier, or with
        ``classifier``, any fitted estimator with ``predict``).

        Returns
        -------
        xarray.Dataset
            ``rate (class)``: fraction of the items generated for class k that are classified as k;
            ``confusion (class, predicted)``; attribute ``rate`` (all classes).
        """
        self._check_fitted()
        K = self.lna_.sizes["class"]
        ss = np.random.SeedSequence(seed)
        clf = self.clf if classifier is None else classifier
        conf = np.zeros((K, K), dtype=np.int64)
        for k, child in enumerate(ss.spawn(K)):
            items = self.sample(n, k, seed=child).generated.values
            pred = np.asarray(clf.predict(items))
            conf[k] = np.bincount(pred[(pred >= 0) & (pred < K)], minlength=K)
        rate = np.diag(conf) / float(n)
        return xr.Dataset(
            {"rate": ("class", rate, {"long_name": "re-classification rate of generated items", "units": "1"}),
             "confusion": (("class", "predicted"), conf, {"long_name": "generated items per predicted class",
                                                          "units": "1"})},
            coords={"class": np.arange(K), "predicted": np.arange(K)},
            attrs={"rate": float(np.trace(conf) / (n * K)), "n_per_class": int(n),
                   "classifier": type(clf).__name__, "seed_entropy": str(ss.entropy),
                   "latent": self.latent,
                   "snt_params": json.dumps({"decoder": self.decoder, "n_noise": int(self.n_noise),
                                              "pairs": self.pairs, "latent": self.latent})})


def _endpoint_gaussians(Z, cls, attractors):
    r"""Per class k, the Gaussian :math:`\mathcal N(m_k, \Sigma_k)` of the final states ``Z`` of its pairs
    (L11), and where the attractor :math:`s^*_k` lies in it (the ``endpoint_`` Dataset of :class:`Generator`).

    The Mahalanobis distance uses :math:`\Sigma_k + \epsilon I`, :math:`\epsilon = 10^{-6}\,\mathrm{tr}
    \Sigma_k / S`, so that a class with fewer pairs than state variables (a singular :math:`\Sigma_k`) still
    gets a finite distance for a direction its states do not span."""
    K, S = attractors.shape
    mean = np.zeros((K, S))
    cov = np.zeros((K, S, S))
    ev = np.zeros((K, S))
    evec = np.zeros((K, S, S))
    n = np.zeros(K, dtype=np.int64)
    offset, maha, support = np.zeros(K), np.zeros(K), np.zeros(K)
    for k in range(K):
        Zk = Z[cls == k]
        n[k] = len(Zk)
        if n[k] < 2:
            raise ValueError(f"Generator: class {k} has {n[k]} training pair(s); at least 2 are needed for its "
                             "latent Gaussian (more training items of that class, or pairs='all')")
        mean[k] = Zk.mean(0)
        cov[k] = np.atleast_2d(np.cov(Zk.T))
        w, V = np.linalg.eigh(cov[k])
        ev[k], evec[k] = w[::-1], V[:, ::-1]
        reg = cov[k] + (1e-6 * max(np.trace(cov[k]), 1e-300) / S) * np.eye(S)
        P = np.linalg.inv(reg)
        d = attractors[k] - mean[k]
        offset[k] = np.linalg.norm(d)
        maha[k] = np.sqrt(d @ P @ d)
        dz = Zk - mean[k]
        support[k] = np.mean(np.sqrt(np.einsum("ij,jk,ik->i", dz, P, dz)) >= maha[k])
    return xr.Dataset(
        {"mean": (("class", "node"), mean, {"long_name": "mean final state of the class's training pairs"}),
         "covariance": (("class", "node", "node2"), cov, {"long_name": "covariance of those final states"}),
         "cov_eigenvalue": (("class", "mode"), ev, {"long_name": "variance along the principal axis"}),
         "cov_eigenvector": (("class", "node", "mode"), evec, {"long_name": "principal axis of the covariance"}),
         "n_pairs": ("class", n, {"long_name": "training pairs of the class"}),
         "attractor_offset": ("class", offset, {"long_name": "distance from the mean final state to the attractor"}),
         "attractor_mahalanobis": ("class", maha, {"long_name": "the same in the metric of the covariance"}),
         "attractor_support": ("class", support, {
             "long_name": "fraction of the class's final states at least as far from the mean as the attractor",
             "units": "1"})},
        coords={"class": np.arange(K), "node": np.arange(S), "node2": np.arange(S), "mode": np.arange(S)},
        attrs={"title": "Gaussians of the final states the training items reach",
               "protocol": "docs/science/stochastic.md (L11)"})
