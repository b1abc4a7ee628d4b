r"""Spectral architecture search: width and depth emerge from eigenvalues driven to zero.

**Reconstruction.** Only the abstract of SPARCS (arXiv:2504.00885) is known: one spectral parametrisation
spans the nodes of all layers, the architectures form a continuous, differentiable family, and training
yields a minimal architecture. The construction below is this package's, made to have those properties
(docs/science/spectral.md (S11), (S12)); it is not the paper's method.

The search network has the input layer (layer 0), ``max_depth`` hidden ReLU layers of ``max_width`` nodes
and an output layer. Every non-output node :math:`i` of layer :math:`k` carries one eigenvalue
:math:`\lambda^{(k)}_i` shared by all its outgoing transfers (the input-eigenvalue convention of
:mod:`snt.spectral.layer` applied to every layer): to the next layer,
:math:`W^{(k)}_{ij} = \lambda^{(k)}_i\varphi^{(k)}_{ij}`, and to the output,
:math:`V^{(k)}_{io} = \lambda^{(k)}_i\psi^{(k)}_{io}`:

.. math::

    h_0 = x, \qquad h_{k+1} = \mathrm{relu}(h_k W^{(k)} + b_{k+1}), \qquad
    \hat y = \sum_{k=0}^{D} h_k V^{(k)} + b_\mathrm{out}.

The readout from every depth is what lets a layer disappear: with every :math:`\lambda^{(k)}` of layer
:math:`k \ge 1` at zero, the layer and all deeper ones drop out and the network is the shallower one; with
all hidden eigenvalues at zero it is the linear model :math:`x V^{(0)}`. L2 terms on the eigenvalues and on
φ, ψ (whose minimum over the rescalings of a node is a sparsity-promoting penalty on the node's product of
factors) drive unneeded eigenvalues to 0. A node's importance is the size of the signal it sends,
:math:`s^{(k)}_i = |\lambda^{(k)}_i|\,\lVert(\varphi^{(k)}_{i,:}, \psi^{(k)}_{i,:})\rVert\,
\langle (h_k)_i^2\rangle^{1/2}` (root mean square activity over the training items), in the same units
for input and hidden nodes; a hidden node is active when :math:`s/\max s` over all nodes exceeds
``threshold``, a layer's width is its number of active nodes and the depth is the number of leading hidden
layers with at least one. The effective depth counts only those layers with an active node that acts
nonlinearly on the data (a ReLU node on for almost every item is a linear map there).
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr
from sklearn.utils.multiclass import type_of_target

from .. import __version__
from .layer import SpectralLayer, glorot_uniform
from .network import SpectralNetwork, blas_threads, fit_adam

__all__ = ["ArchitectureSearch", "architecture_search"]


class ArchitectureSearch:
    """The search network (see the module docstring); built and trained by :func:`architecture_search`.

    Attributes
    ----------
    lam : list of arrays
        Node eigenvalues of layers 0..D (input, hidden).
    chain : list of SpectralLayer
        Transfers layer k → k+1 (ReLU).
    readout : list of SpectralLayer
        Transfers layer k → output (linear; the bias sits on ``readout[0]``).
    """

    def __init__(self, n_in, n_out, max_width, max_depth, loss, eigen_l2, base_l2, rng):
        sizes = [n_in] + [max_width] * max_depth
        self.loss = loss
        self.shape = (n_in, n_out, max_width, max_depth, eigen_l2, base_l2)
        self.lam = [np.ones(n) for n in sizes]
        self.chain = [SpectralLayer(glorot_uniform(rng, a, b), self.lam[k], np.zeros(b), np.zeros(b), "relu",
                                    ("phi", "lam_in", "bias"), {"phi": base_l2})
                      for k, (a, b) in enumerate(zip(sizes, sizes[1:]))]
        self.readout = [SpectralLayer(glorot_uniform(rng, a, n_out), self.lam[k], np.zeros(n_out),
                                      np.zeros(n_out) if k == 0 else None, "linear",
                                      ("phi", "lam_in", "bias") if k == 0 else ("phi", "lam_in"),
                                      {"phi": base_l2})
                        for k, a in enumerate(sizes)]
        self.eigen_l2 = eigen_l2
        self._loss = SpectralNetwork([self.readout[0]], loss)       # the data term of a network

    # parameters: eigenvalues, then each chain layer's (phi, bias), then each readout's (phi, [bias])
    def _arrays(self):
        out = list(self.lam)
        for lay in self.chain:
            out += [lay.phi, lay.bias]
        out += [self.readout[0].phi, self.readout[0].bias] + [r.phi for r in self.readout[1:]]
        return out

    def get_theta(self):
        return np.concatenate([a.ravel() for a in self._arrays()])

    def set_theta(self, theta):
        i = 0
        for a in self._arrays():
            a[...] = theta[i:i + a.size].reshape(a.shape)
            i += a.size

    def forward(self, X):
        hs, cache = [np.asarray(X, dtype=np.float64)], []
        for lay in self.chain:
            z, a = lay.forward(hs[-1])
            cache.append(z)
            hs.append(a)
        out = sum(r.forward(h)[0] for r, h in zip(self.readout, hs))
        return hs, cache, out

    def output(self, X):
        return self.forward(X)[2]

    def loss_grad(self, X, Y):
        hs, zs, out = self.forward(X)
        loss, g_out = self._loss.data_loss(out, Y)
        D = len(self.chain)
        g_lam = [np.zeros_like(v) for v in self.lam]
        grads_chain, grads_read = [None] * D, [None] * (D + 1)
        g_h = None
        for k in range(D, -1, -1):
            gx, gr = self.readout[k].backward(hs[k], out, out, g_out)
            grads_read[k] = gr
            g_lam[k] += gr["lam_in"]
            g = gx
            if k < D:
                gxc, gc = self.chain[k].backward(hs[k], zs[k], hs[k + 1], g_h)
                grads_chain[k] = gc
                g_lam[k] += gc["lam_in"]
                g = g + gxc
            g_h = g
        flat = [gl + 2 * self.eigen_l2 * lam for gl, lam in zip(g_lam, self.lam)]
        loss += self.eigen_l2 * sum(float(np.sum(v * v)) for v in self.lam)
        for lay, gc in zip(self.chain, grads_chain):
            pv, pg = lay.penalty()
            loss += pv
            flat += [gc["phi"] + pg["phi"], gc["bias"]]
        for k, (lay, gr) in enumerate(zip(self.readout, grads_read)):
            pv, pg = lay.penalty()
            loss += pv
            flat.append(gr["phi"] + pg["phi"])
            if k == 0:
                flat.append(gr["bias"])
        return loss, np.concatenate([f.ravel() for f in flat])

    def importance(self, X):
        """Signal each node sends: input (d,) and hidden (D, W) scores (see the module docstring)."""
        hs = self.forward(X)[0]
        scores = []
        for k in range(len(self.lam)):
            out_sq = (self.readout[k].phi ** 2).sum(1)
            if k < len(self.chain):
                out_sq = out_sq + (self.chain[k].phi ** 2).sum(1)
            scores.append(np.abs(self.lam[k]) * np.sqrt(out_sq) * np.sqrt((hs[k] ** 2).mean(0)))
        return scores[0], np.array(scores[1:])

    def copy(self):
        n_in, n_out, w, _, el2, bl2 = self.shape
        new = ArchitectureSearch(n_in, n_out, w, len(self.chain), self.loss, el2, bl2, np.random.default_rng(0))
        new.set_theta(self.get_theta())
        return new

    def data_loss(self, X, Y):
        """Data term of the loss (no penalty) on ``(X, Y)``."""
        return self._loss.data_loss(self.output(X), Y)[0]

    def without_layer(self, k, linear):
        r"""The network with hidden layer ``k`` (1..D) replaced by the linear map it is close to, composed into
        its neighbours (docs/science/spectral.md (S12a)): the nodes with ``linear[i]`` pass their
        pre-activation through (identity), the others are dropped. Exact when every kept node is on and every
        dropped one off for all items."""
        n_in, n_out, w, _, el2, bl2 = self.shape
        D = len(self.chain)
        new = ArchitectureSearch(n_in, n_out, w, D - 1, self.loss, el2, bl2, np.random.default_rng(0))
        e = np.asarray(linear, dtype=np.float64) * self.lam[k]         # identity nodes times their eigenvalue
        into = self.chain[k - 1]                                      # layer k-1 -> k
        lam = self.lam[:k] + self.lam[k + 1:]
        chain = [lay.phi.copy() for lay in self.chain]
        cbias = [lay.bias.copy() for lay in self.chain]
        read = [r.phi.copy() for r in self.readout]
        bout = self.readout[0].bias + (into.bias * linear) @ (self.lam[k][:, None] * self.readout[k].phi)
        read[k - 1] = read[k - 1] + into.phi @ (e[:, None] * self.readout[k].phi)
        if k < D:
            nxt = self.chain[k]                                       # layer k -> k+1
            cbias[k] = nxt.bias + (into.bias * linear) @ (self.lam[k][:, None] * nxt.phi)
            chain[k] = into.phi @ (e[:, None] * nxt.phi)
        del chain[k - 1], cbias[k - 1], read[k]
        for dst, src in zip(new.lam, lam):
            dst[...] = src
        for lay, phi, b in zip(new.chain, chain, cbias):
            lay.phi[...], lay.bias[...] = phi, b
        for r, phi in zip(new.readout, read):
            r.phi[...] = phi
        new.readout[0].bias[...] = bout
        return new


def _train(net, X, Y, epochs, *, batch_size, lr, rng, progress, desc):
    def fun(theta, idx):
        net.set_theta(theta)
        return net.loss_grad(X[idx], Y[idx])

    theta, hist = fit_adam(fun, net.get_theta(), len(X), epochs=epochs, batch_size=batch_size, lr=lr, rng=rng,
                           progress=progress, desc=desc)
    net.set_theta(theta)
    return hist


def _metric(classify):
    """Validation metric of the layer-removal stage: error rate (classification) or data loss (regression)."""
    if classify:
        return lambda net, X, Y: float(np.mean(np.argmax(net.output(X), 1) != (Y if Y.ndim == 1 else np.argmax(Y, 1))))
    return lambda net, X, Y: float(net.data_loss(X, Y))


def _summary(net, X, threshold, linear_fraction):
    """Normalised importances, active nodes, widths, depth, on-fractions and nonlinear nodes (S12)."""
    s_in, s = net.importance(X)
    s = s.reshape(len(net.chain), net.shape[2])
    mx = max(s_in.max(), s.max()) if s.size else s_in.max()
    s, s_in = (s / mx, s_in / mx) if mx > 0 else (s, s_in)
    active = s > threshold
    width = active.sum(1)
    depth = int(np.argmax(width == 0)) if np.any(width == 0) else len(net.chain)
    on = np.array([(z > 0).mean(0) for z in net.forward(X)[1]]).reshape(s.shape)
    return {"s": s, "s_in": s_in, "width": width, "depth": depth, "on": on,
            "nonlinear": active & (on < linear_fraction)}


def architecture_search(X, y, max_width=20, max_depth=3, eigen_l2=1e-3, base_l2=1e-3, lr=0.01, batch_size=200,
                        epochs=300, threshold=0.05, linear_fraction=0.99, validation=0.2, refine_epochs=None,
                        layer_tolerance=None, task="auto", loss="mse", seed=None, progress=False):
    r"""Train the search network of the module docstring on ``(X, y)`` and read off width and depth.

    Parameters
    ----------
    X : (n, d) array
    y : (n,) labels (classification) or targets (regression)
    max_width, max_depth : int
        Size of the search space (hidden layers of ``max_width`` nodes; ``max_depth`` of them).
    eigen_l2, base_l2 : float
        L2 factors of the node eigenvalues and of the φ, ψ entries.
    lr, batch_size, epochs : Adam settings.
    threshold : float
        Relative importance above which a hidden node counts as active.
    linear_fraction : float
        An active ReLU node that is on for at least this fraction of the training items acts as a linear
        map on the data (a layer made only of such nodes composes with its neighbours into one linear map):
        it counts in the widths but not in ``effective_depth``.
    validation : float
        Fraction of the items held out to decide on removing layers (0: no removal stage).
    refine_epochs : int, optional
        Epochs of training after a layer is replaced by its linear map (default ``epochs // 5``; 0: no
        removal stage).
    layer_tolerance : float, optional
        A layer is removed when the network without it (composed, or after ``refine_epochs`` if that is better)
        does at most this much worse on the validation items than the trained search network (S12a): a rise of
        the error rate by at most ``layer_tolerance`` (classification, default 0.01) or of the mean squared
        error by at most the fraction ``layer_tolerance`` (regression, default 0.05).
    task : {"auto", "classify", "regress"}
    loss : {"mse", "xent"}
        Loss of a classification: squared error to the one-hot targets (default) or cross-entropy.
        On separable data the cross-entropy keeps growing the output scale, and at a large scale a path
        through more layers costs less penalty per unit of scale (the minimum of L2 terms on a product of
        L factors grows like scale^(2/L)): the search then keeps deep paths it does not need. The squared
        error bounds the scale. Regression always uses the squared error.
    seed : int or None

    Returns
    -------
    xarray.Dataset
        ``importance (layer, node)`` and ``input_importance (feature)`` (normalised by the maximum over all
        input and hidden nodes), ``width (layer)``, ``lam``, ``on_fraction``, ``nonlinear``; attrs ``depth``
        (leading hidden layers with an active node), ``effective_depth`` (those with an active node acting
        nonlinearly), ``widths`` and ``nonlinear_widths`` (JSON lists over the leading layers), ``final_loss``,
        ``validation_loss`` and ``layer_removal`` (JSON list of the layers tried, deepest first, with their
        validation losses and the decision). Layers removed by the last stage appear as empty rows at the end.
    ArchitectureSearch
        The trained network.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    refine_epochs = max(1, epochs // 5) if refine_epochs is None else refine_epochs
    if isinstance(refine_epochs, bool) or not isinstance(refine_epochs, (int, np.integer)) or refine_epochs < 0:
        raise ValueError(f"refine_epochs must be a non-negative integer, got {refine_epochs!r}")
    if not (isinstance(validation, (int, float, np.floating)) and 0 <= validation < 1):
        raise ValueError(f"validation must be a fraction in [0, 1), got {validation!r}")
    if layer_tolerance is not None and not (isinstance(layer_tolerance, (int, float, np.floating))
                                            and layer_tolerance >= 0):
        raise ValueError(f"layer_tolerance must be a number >= 0, got {layer_tolerance!r}")
    for name, v in (("max_width", max_width), ("max_depth", max_depth), ("epochs", epochs),
                    ("batch_size", batch_size)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    classify = task == "classify" or (task == "auto" and type_of_target(y) in ("binary", "multiclass"))
    if loss not in ("mse", "xent"):
        raise ValueError(f"loss must be 'mse' or 'xent', got {loss!r}")
    if classify:
        classes, Y = np.unique(y, return_inverse=True)
        n_out = len(classes)
        if loss == "mse":
            Y = np.eye(n_out)[Y]
    else:
        Y = y.astype(np.float64).reshape(len(y), -1)
        n_out, loss = Y.shape[1], "mse"
    tol = (0.01 if classify else 0.05) if layer_tolerance is None else float(layer_tolerance)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_val = int(round(validation * len(X)))
    (Xv, Yv), (Xt, Yt) = (X[order[:n_val]], Y[order[:n_val]]), (X[order[n_val:]], Y[order[n_val:]])
    net = ArchitectureSearch(X.shape[1], n_out, int(max_width), int(max_depth), loss, eigen_l2, base_l2, rng)
    settings = dict(batch_size=batch_size, lr=lr, rng=rng, progress=progress)
    with blas_threads([X.shape[1], max_width]):
        hist = _train(net, Xt, Yt, epochs, desc="architecture search", **settings)
        summary = _summary(net, Xt, threshold, linear_fraction)
        removal = []
        if n_val and refine_epochs:
            metric = _metric(classify)
            reference = metric(net, Xv, Yv)
            for k in range(summary["depth"], 0, -1):        # deepest first: shallower indices do not move
                on = (net.forward(Xt)[1][k - 1] > 0).mean(0)
                cand = net.without_layer(k, on >= 0.5)
                direct = metric(cand, Xv, Yv)
                refined = cand.copy()
                _train(refined, Xt, Yt, refine_epochs, desc=f"without layer {k}", **settings)
                val = metric(refined, Xv, Yv)
                if val < direct:
                    cand = refined
                val = min(val, direct)
                ok = bool(val <= reference + tol) if classify else bool(val <= (1 + tol) * reference)
                removal.append({"layer": k, "validation_loss": float(val), "composed": float(direct),
                                "refined": float(metric(refined, Xv, Yv)), "reference": float(reference),
                                "removed": ok})
                if ok:
                    net = cand
            summary = _summary(net, Xt, threshold, linear_fraction)
    D = len(net.chain)
    pad = lambda a, fill: np.concatenate([a, np.full((max_depth - D, max_width), fill, a.dtype)])  # noqa: E731
    s, s_in, width, depth = summary["s"], summary["s_in"], summary["width"], summary["depth"]
    nonlinear, on = summary["nonlinear"], summary["on"]
    effective_depth = int(nonlinear[:depth].any(1).sum())
    ds = xr.Dataset(
        {"importance": (("layer", "node"), pad(s, 0.0), {"long_name": "node importance / max", "units": "1"}),
         "width": ("layer", np.concatenate([width, np.zeros(max_depth - D, width.dtype)]),
                   {"long_name": f"active nodes (importance > {threshold})", "units": "1"}),
         "lam": (("layer", "node"), pad(np.array(net.lam[1:]).reshape(D, max_width), 0.0),
                 {"long_name": "node eigenvalue", "units": "1"}),
         "on_fraction": (("layer", "node"), pad(on, np.nan),
                         {"long_name": "fraction of items with the node on", "units": "1"}),
         "nonlinear": (("layer", "node"), pad(nonlinear, False), {"long_name": "active node acting nonlinearly"}),
         "input_importance": ("feature", s_in, {"long_name": "input node importance / max", "units": "1"})},
        coords={"layer": ("layer", np.arange(1, max_depth + 1), {"long_name": "hidden layer", "units": "1"}),
                "node": np.arange(max_width), "feature": np.arange(X.shape[1])},
        attrs={"title": "spectral architecture search (reconstruction)", "source": f"snt {__version__}",
               "method": "docs/science/spectral.md (S11), (S12), (S12a)", "depth": depth,
               "effective_depth": effective_depth,
               "nonlinear_widths": json.dumps([int(w) for w in nonlinear[:depth].sum(1)]),
               "widths": json.dumps([int(w) for w in width[:depth]]), "final_loss": float(hist["loss"][-1]),
               "validation_loss": float(net.data_loss(Xv, Yv)) if n_val else np.nan,
               "validation_metric": "error rate" if classify else "mean squared error",
               "layer_removal": json.dumps(removal),
               "parameters": json.dumps(dict(max_width=int(max_width), max_depth=int(max_depth),
                                             eigen_l2=eigen_l2, base_l2=base_l2, lr=lr, batch_size=int(batch_size),
                                             epochs=int(epochs), threshold=threshold, validation=validation,
                                             refine_epochs=int(refine_epochs), layer_tolerance=tol,
                                             seed=seed))})
    return ds, net
