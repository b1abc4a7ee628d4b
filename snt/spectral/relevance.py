r"""Input-feature relevance from the eigenvalues of the input nodes, and two baselines.

Spectral relevance (exact from the authors' input-relevance code; docs/science/spectral.md (S4)):

.. math:: R_j = |\lambda_{\mathrm{in},j}|\;\lVert \varphi_{j,:}\rVert_2

of the first layer: the eigenvalue of input node :math:`j` times the norm of its outgoing eigenvector
entries. It is invariant under :math:`\varphi_{j,:} \to c\,\varphi_{j,:}`, :math:`\lambda_{\mathrm{in},j} \to
\lambda_{\mathrm{in},j}/c`, which leaves :math:`W` unchanged (a test checks it). Baselines on the same trained
network: permutation importance (:func:`sklearn.inspection.permutation_importance`, drop of the score when
feature :math:`j` is shuffled) and the gradient saliency :math:`\langle|\partial L/\partial x_j|\rangle` over
items (docs/science/spectral.md (S5)).
"""

from __future__ import annotations

import json

import numpy as np
import scipy.stats
import xarray as xr

from .. import __version__

__all__ = ["feature_relevance", "permutation_relevance", "gradient_saliency", "relevance_recovery",
           "attractor_relevance"]


def as_network(net):
    """The fitted network behind ``net`` (a fitted SpectralMLP or a network itself)."""
    from .mlp import SpectralMLP
    if isinstance(net, SpectralMLP):
        from sklearn.utils.validation import check_is_fitted
        check_is_fitted(net)
        return net.network_
    if hasattr(net, "layers") and hasattr(net, "loss_grad"):
        return net
    raise TypeError(f"net must be a fitted SpectralMLP or a SpectralNetwork, got {type(net).__name__}")


def _dataset(score, name, long_name, method, params):
    score = np.asarray(score, dtype=np.float64)
    mx = np.max(np.abs(score)) if score.size else 0.0
    rank = np.empty(len(score), dtype=np.int64)
    rank[np.argsort(-score, kind="stable")] = np.arange(len(score))
    return xr.Dataset(
        {name: ("feature", score, {"long_name": long_name, "units": "1"}),
         "normalized": ("feature", score / mx if mx > 0 else score,
                        {"long_name": f"{long_name} / max", "units": "1"}),
         "rank": ("feature", rank, {"long_name": "rank (0 = most relevant)", "units": "1"})},
        coords={"feature": ("feature", np.arange(len(score)), {"long_name": "input feature", "units": "1"})},
        attrs={"title": long_name, "source": f"snt {__version__}", "method": method,
               "parameters": json.dumps(params)})


def feature_relevance(net):
    r"""Spectral relevance :math:`R_j = |\lambda_{\mathrm{in},j}|\,\lVert\varphi_{j,:}\rVert` of every input.

    Parameters
    ----------
    net : SpectralMLP or SpectralNetwork
        Fitted, with trained first-layer input eigenvalues (``eigenvalues="in"`` or ``"both"``).

    Returns
    -------
    xarray.Dataset
        ``relevance``, ``normalized`` (by the maximum) and ``rank`` over ``feature``.
    """
    first = as_network(net).layers[0]
    if "lam_in" not in first.trainable:
        raise ValueError("feature_relevance needs trained input eigenvalues: fit with eigenvalues='in' or 'both'")
    phi = first.phi.astype(np.float64)
    score = np.abs(first.lam_in.astype(np.float64)) * np.sqrt((phi * phi).sum(1))
    return _dataset(score, "relevance", "spectral relevance |lambda_in| ||phi_j||",
                    "docs/science/spectral.md (S4)", {})


def permutation_relevance(net, X, y, n_repeats=5, seed=None):
    """Permutation importance of a fitted :class:`SpectralMLP` (mean drop of its score over ``n_repeats``).

    Returns
    -------
    xarray.Dataset
        ``relevance`` (mean), ``relevance_std``, ``normalized``, ``rank`` over ``feature``.
    """
    from sklearn.inspection import permutation_importance
    res = permutation_importance(net, X, y, n_repeats=n_repeats, random_state=seed)
    ds = _dataset(res.importances_mean, "relevance", "permutation importance (score drop)",
                  "sklearn.inspection.permutation_importance", {"n_repeats": int(n_repeats)})
    ds["relevance_std"] = ("feature", res.importances_std, {"long_name": "std over repeats", "units": "1"})
    return ds


def gradient_saliency(net, X, y):
    r"""Mean absolute input gradient of the data loss, :math:`\langle|\partial L_b/\partial x_{b,j}|\rangle_b`.

    Returns
    -------
    xarray.Dataset
        ``relevance``, ``normalized``, ``rank`` over ``feature``.
    """
    nw = as_network(net)
    X = np.asarray(X, dtype=nw.dtype)
    Y = np.asarray(y)
    if getattr(net, "_classify", False):
        Y = np.searchsorted(net.classes_, Y)
    _, _, gx = nw.loss_grad(X, Y, penalty=False, input_grad=True)
    score = np.abs(gx.astype(np.float64)).mean(0) * len(X)      # per-item gradients (the loss is a mean)
    return _dataset(score, "relevance", "gradient saliency <|dL/dx_j|>", "docs/science/spectral.md (S5)", {})


def relevance_recovery(ds, truth):
    r"""How well a relevance score recovers the ground truth.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`feature_relevance`, :func:`permutation_relevance` or :func:`gradient_saliency`.
    truth : (n_features,) array
        True relevance (0 = irrelevant).

    Returns
    -------
    dict
        ``spearman`` (rank correlation of score and truth over all features), ``spearman_relevant``
        (over the relevant features only), ``max_irrelevant`` (largest normalised score of an irrelevant
        feature), ``irrelevant_last`` (every irrelevant feature ranked below every relevant one).
    """
    s = np.asarray(ds["normalized"].values, dtype=np.float64)
    t = np.asarray(truth, dtype=np.float64)
    if s.shape != t.shape:
        raise ValueError(f"truth has shape {t.shape}, the score {s.shape}")
    rel = t > 0
    out = {"spearman": float(scipy.stats.spearmanr(s, t).statistic)}
    out["spearman_relevant"] = float(scipy.stats.spearmanr(s[rel], t[rel]).statistic) if rel.sum() > 2 else np.nan
    out["max_irrelevant"] = float(s[~rel].max()) if (~rel).any() else np.nan
    out["irrelevant_last"] = bool(s[~rel].max() < s[rel].min()) if (~rel).any() and rel.any() else True
    return out


def attractor_relevance(clf):
    r"""Spectral relevance of the input nodes of a fitted planted-attractor classifier.

    Column :math:`j` of :math:`A = \Phi\Lambda\Psi` is :math:`\sum_k \lambda_k\Phi_{:,k}\Psi_{kj}`; the share of
    the trained modes in it, bounded by

    .. math:: R_j = \sum_{k\,\in\,\mathrm{tr}} |\lambda_k|\,\lVert\Phi_{:,k}\rVert\,|\Psi_{kj}|,

    is the analogue of (S4) for the recurrent parametrisation (docs/science/spectral.md (S5a)): the eigenvalues
    attached to input node :math:`j` through the modes that carry it, weighted by their size. Defined here, not
    taken from a paper. It does not rank features by their use: the planted-attractor models are trained
    without a penalty that would remove unused inputs, and on the independent Gaussians (4000 items, 20
    epochs) it gave Spearman 0.32 (RSN) and 0.31 (SA-nODE) against the true relevance, with irrelevant
    inputs up to 70 % and 100 % of the maximum.

    Parameters
    ----------
    clf : fitted :class:`snt.classify.AttractorClassifier`

    Returns
    -------
    xarray.Dataset
        ``relevance``, ``normalized``, ``rank`` over the ``feature`` (the first ``n_features_in_`` nodes).
    """
    from sklearn.utils.validation import check_is_fitted
    check_is_fitted(clf)
    c = clf.coupling_
    m = clf.params_.lam_tr.size
    phi = c.phi.astype(np.float64)
    psi = np.linalg.inv(phi)
    lam = np.abs(np.asarray(clf.params_.lam_tr, dtype=np.float64))
    score = (lam * np.sqrt((phi[:, :m] ** 2).sum(0))) @ np.abs(psi[:m, :clf.n_features_in_])
    return _dataset(score, "relevance", "spectral input relevance sum_k |lambda_k| ||Phi_k|| |Psi_kj|",
                    "docs/science/spectral.md (S5a)", {"model": clf.model_.name})
