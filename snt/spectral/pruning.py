r"""Node importance from the eigenvalues of the hidden nodes, and pruning without retraining.

Importance of hidden node :math:`i` of a layer of width :math:`h` (exact from the authors' teacher–student
code; docs/science/spectral.md (S8)):

.. math:: s_i = |\lambda_{\mathrm{out},i}|\;\lVert\varphi_{:,i}\rVert_2\;\sqrt h ,

and for a plain (dense) network the "feature norm" :math:`s_i = \lVert W_{:,i}\rVert_2\sqrt h`
(``method="norm"``). Pruning masks nodes (their :math:`\lambda_\mathrm{out}` and bias are zeroed, the
authors' convention, so a pruned node outputs :math:`\sigma(0)`) and evaluates the network as it is, without
retraining. The authors' percentile pruning pools the raw :math:`|\lambda_\mathrm{out}|` of every hidden
layer (:func:`percentile_prune`); their metric-based pruning raises the percentile in steps of 5 until the
relative change of the score exceeds a tolerance (:func:`metric_based_pruning`).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from .. import __version__
from .relevance import as_network

__all__ = ["node_importance", "mask_nodes", "prune", "percentile_prune", "metric_based_pruning", "score"]


def _hidden(nw, layer):
    n = len(nw.layers) - 1
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < n:
        raise ValueError(f"layer must be a hidden layer index in [0, {n - 1}], got {layer!r}")
    return nw.layers[int(layer)]


def node_importance(net, layer=0, method="spectral"):
    r"""Importance of every node of hidden layer ``layer``.

    Parameters
    ----------
    net : SpectralMLP or SpectralNetwork
    layer : int
        Index of the layer whose *output* nodes are scored (0 = first hidden layer).
    method : {"spectral", "norm"}
        :math:`|\lambda_{\mathrm{out},i}|\lVert\varphi_{:,i}\rVert\sqrt h` (needs trained λ_out), or
        :math:`\lVert W_{:,i}\rVert\sqrt h` (any network).

    Returns
    -------
    xarray.Dataset
        ``importance`` and ``normalized`` (by the maximum) over ``node``.
    """
    nw = as_network(net)
    lay = _hidden(nw, layer)
    h = lay.shape[1]
    if method == "spectral":
        if "lam_out" not in lay.trainable:
            raise ValueError("method='spectral' needs trained output eigenvalues (eigenvalues='out' or 'both')")
        phi = lay.phi.astype(np.float64)
        s = np.abs(lay.lam_out * lay.mask) * np.sqrt((phi * phi).sum(0)) * np.sqrt(h)
    elif method == "norm":
        w = lay.weights().astype(np.float64)
        s = np.sqrt((w * w).sum(0)) * np.sqrt(h)
    else:
        raise ValueError(f"method must be 'spectral' or 'norm', got {method!r}")
    mx = s.max()
    return xr.Dataset(
        {"importance": ("node", s, {"long_name": f"node importance ({method})", "units": "1"}),
         "normalized": ("node", s / mx if mx > 0 else s, {"long_name": "importance / max", "units": "1"})},
        coords={"node": ("node", np.arange(h), {"long_name": "hidden node", "units": "1"})},
        attrs={"title": "node importance", "source": f"snt {__version__}", "layer": int(layer),
               "method": "docs/science/spectral.md (S8)", "parameters": json.dumps({"method": method})})


def mask_nodes(nw, layer, keep):
    """A copy of network ``nw`` with only the nodes ``keep`` (bool mask or indices) of ``layer`` active."""
    new = nw.copy()
    lay = _hidden(new, layer)
    m = np.zeros(lay.shape[1], dtype=bool)
    m[np.asarray(keep)] = True
    lay.mask = (lay.mask * m).astype(lay.mask.dtype)
    return new


def score(nw, X, y):
    """Accuracy (``"xent"``) or mean squared error (``"mse"``) of a network on ``(X, y)``."""
    loss, acc = nw.evaluate(np.asarray(X, dtype=nw.dtype), np.asarray(y))
    return acc if nw.loss == "xent" else loss


def _labels(net, y):
    if getattr(net, "_classify", False):
        return np.searchsorted(net.classes_, np.asarray(y))
    return np.asarray(y)


def prune(net, keep, X, y, layer=0, method="spectral", importance=None):
    r"""Score after keeping only the ``n`` most important nodes of ``layer``, for every ``n`` in ``keep``.

    Parameters
    ----------
    net : SpectralMLP or SpectralNetwork
    keep : int or sequence of int
        Numbers of nodes kept.
    X, y : arrays
        Evaluation set.
    layer : int
    method : {"spectral", "norm"}
        Importance of :func:`node_importance` (ignored when ``importance`` is given).
    importance : array, optional
        Node scores to rank by instead.

    Returns
    -------
    xarray.Dataset over ``kept``: ``metric`` (accuracy or MSE), ``delta`` (metric − unpruned metric).
    """
    nw = as_network(net)
    y = _labels(net, y)
    s = node_importance(nw, layer, method).importance.values if importance is None else np.asarray(importance)
    h = _hidden(nw, layer).shape[1]
    keep = np.atleast_1d(np.asarray(keep, dtype=np.int64))
    if np.any((keep < 0) | (keep > h)):
        raise ValueError(f"keep must be numbers of nodes in [0, {h}], got {keep.tolist()}")
    order = np.argsort(-s, kind="stable")
    full = score(nw, X, y)
    vals = np.array([score(mask_nodes(nw, layer, order[:k]), X, y) for k in keep])
    name = "accuracy" if nw.loss == "xent" else "mean squared error"
    return xr.Dataset(
        {"metric": ("kept", vals, {"long_name": name, "units": "1"}),
         "delta": ("kept", vals - full, {"long_name": f"{name} - unpruned", "units": "1"})},
        coords={"kept": ("kept", keep, {"long_name": "nodes kept", "units": "1"})},
        attrs={"title": "pruning curve", "source": f"snt {__version__}", "layer": int(layer), "unpruned": full,
               "method": "docs/science/spectral.md (S8), (S9)", "parameters": json.dumps({"method": method})})


def percentile_prune(net, percentile):
    r"""Mask, in every hidden layer, the nodes whose :math:`|\lambda_\mathrm{out}|` is below the
    ``percentile``-th percentile of all hidden :math:`|\lambda_\mathrm{out}|` pooled. Returns a new network."""
    nw = as_network(net)
    if not (isinstance(percentile, (int, float, np.integer, np.floating)) and 0 <= percentile <= 100):
        raise ValueError(f"percentile must be in [0, 100], got {percentile!r}")
    hidden = nw.layers[:-1]
    if not hidden or any("lam_out" not in lay.trainable for lay in hidden):
        raise ValueError("percentile_prune needs hidden layers with trained output eigenvalues")
    pooled = np.concatenate([np.abs(lay.lam_out) for lay in hidden])
    cut = np.percentile(pooled, percentile)
    new = nw
    for k, lay in enumerate(hidden):
        new = mask_nodes(new, k, np.nonzero(np.abs(lay.lam_out) >= cut)[0] if percentile > 0 else
                         np.arange(lay.shape[1]))
    return new


def metric_based_pruning(net, X, y, max_delta_percent=10.0, step=5.0):
    """Largest percentile (multiple of ``step``) whose :func:`percentile_prune` changes the score by at most
    ``max_delta_percent`` percent (relative). Returns ``(percentile, pruned network, score)``."""
    nw = as_network(net)
    y = _labels(net, y)
    base = score(nw, X, y)
    best = (0.0, nw, base)
    p = step
    while p < 100:
        cand = percentile_prune(nw, p)
        s = score(cand, X, y)
        if abs(s - base) > max_delta_percent / 100 * abs(base):
            break
        best = (p, cand, s)
        p += step
    return best
