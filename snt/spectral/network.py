r"""A stack of spectral layers: forward pass, loss, exact gradient by back-propagation, Adam training.

The loss of a mini-batch of :math:`B` items is the data term plus the L2 terms of the layers
(docs/science/spectral.md (S3)):

* ``"xent"`` (classification): :math:`-\frac1B\sum_b \log \mathrm{softmax}(z_b)_{y_b}` of the last layer's
  (linear) outputs, Keras' sparse categorical cross-entropy;
* ``"mse"`` (regression): :math:`\frac{1}{B\,n_\mathrm{out}}\sum_{b,i}(z_{b,i} - y_{b,i})^2`, Keras' ``mse``;

plus :math:`\sum_\ell\sum_p c_{\ell,p}\lVert p_\ell\rVert^2` over the regularised parameters, added to every
mini-batch loss as Keras does. Gradients are exact (chain rule through
:meth:`~snt.spectral.layer.SpectralLayer.backward`); the tests check them against central differences.
Training is Keras' Adam (:func:`snt.classify.training.adam_step`) on shuffled mini-batches with an optional
validation split, early stopping on the validation loss and restoration of the best parameters.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from ..classify.training import adam_step

__all__ = ["SpectralNetwork", "fit_adam", "blas_threads"]


def blas_threads(widths):
    """One BLAS thread for networks narrower than 512 nodes (their products gain nothing from threads, and
    thread pools competing for the cores were measured tens of times slower), else the library default."""
    if max(widths) < 512:
        return threadpool_limits(limits=1, user_api="blas")
    return contextlib.nullcontext()


class SpectralNetwork:
    """Layers applied in sequence, with a loss.

    Parameters
    ----------
    layers : list of SpectralLayer
        Consecutive shapes must chain.
    loss : {"xent", "mse"}
    dtype : numpy dtype
        Precision of the forward and backward passes (float64 or float32).
    """

    def __init__(self, layers, loss="xent", dtype=np.float64):
        for a, b in zip(layers, layers[1:]):
            if a.shape[1] != b.shape[0]:
                raise ValueError(f"layer shapes do not chain: {a.shape} then {b.shape}")
        if loss not in ("xent", "mse"):
            raise ValueError(f"loss must be 'xent' or 'mse', got {loss!r}")
        dt = np.dtype(dtype)
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        self.dtype = dt.type
        self.layers = [lay.astype(self.dtype) for lay in layers]
        self.loss = loss

    def copy(self):
        return SpectralNetwork([lay.copy() for lay in self.layers], self.loss, self.dtype)

    # ------------------------------------------------------------------ parameters
    def _slots(self):
        return [(k, name) for k, lay in enumerate(self.layers) for name in lay.trainable]

    def get_theta(self):
        """Trainable parameters as one float64 vector (layer order, then ``phi, lam_in, lam_out, bias``)."""
        parts = [getattr(self.layers[k], n).ravel() for k, n in self._slots()]
        return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)

    def set_theta(self, theta):
        i = 0
        for k, name in self._slots():
            v = getattr(self.layers[k], name)
            setattr(self.layers[k], name, np.asarray(theta[i:i + v.size], dtype=self.dtype).reshape(v.shape))
            i += v.size
        if i != len(theta):
            raise ValueError(f"theta has {len(theta)} entries, the network trains {i}")

    # ------------------------------------------------------------------ passes
    def forward(self, X):
        """List of ``(input, z, a)`` per layer; the output is ``cache[-1][2]``."""
        a = np.asarray(X, dtype=self.dtype)
        cache = []
        for lay in self.layers:
            z, out = lay.forward(a)
            cache.append((a, z, out))
            a = out
        return cache

    def output(self, X):
        """Outputs of the last layer (logits for ``"xent"``)."""
        return self.forward(X)[-1][2]

    def data_loss(self, out, Y):
        """Data term of the loss and its gradient with respect to the outputs."""
        B = len(out)
        if self.loss == "xent":
            z = out.astype(np.float64)
            z = z - z.max(1, keepdims=True)
            ez = np.exp(z)
            s = ez.sum(1, keepdims=True)
            rows = np.arange(B)
            loss = float((np.log(s[:, 0]) - z[rows, Y]).sum() / B)
            g = ez / s
            g[rows, Y] -= 1.0
            return loss, (g / B).astype(self.dtype)
        Y = np.asarray(Y, dtype=np.float64).reshape(B, -1)
        diff = out.astype(np.float64) - Y
        return float(np.sum(diff * diff) / diff.size), (2.0 * diff / diff.size).astype(self.dtype)

    def loss_grad(self, X, Y, penalty=True, input_grad=False):
        """Loss (data + L2) and its gradient with respect to :meth:`get_theta` (and to ``X``)."""
        cache = self.forward(X)
        loss, g = self.data_loss(cache[-1][2], Y)
        grads = {}
        for k in range(len(self.layers) - 1, -1, -1):
            x, z, a = cache[k]
            g, gk = self.layers[k].backward(x, z, a, g)
            for name, v in gk.items():
                grads[(k, name)] = v
        if penalty:
            for k, lay in enumerate(self.layers):
                pv, pg = lay.penalty()
                loss += pv
                for name, v in pg.items():
                    grads[(k, name)] = grads[(k, name)] + v
        slots = self._slots()
        flat = np.concatenate([grads[s].ravel() for s in slots]).astype(np.float64) if slots else np.zeros(0)
        return (loss, flat, g) if input_grad else (loss, flat)

    def evaluate(self, X, Y, chunk=8192):
        """Data loss (no penalty) and accuracy (``"xent"``) or NaN, over all items in chunks."""
        tot, hits = 0.0, 0
        for s in range(0, len(X), chunk):
            out = self.output(X[s:s + chunk])
            tot += self.data_loss(out, Y[s:s + chunk])[0] * len(out)
            if self.loss == "xent":
                hits += int(np.sum(np.argmax(out, 1) == Y[s:s + chunk]))
        n = len(X)
        return tot / n, (hits / n if self.loss == "xent" else np.nan)


def fit_adam(fun, theta0, n_items, *, epochs, batch_size, lr, rng, val_fn=None, patience=None,
             progress=False, desc="adam", post_step=None, lr_decay=1.0):
    """Mini-batch Adam on ``fun(theta, idx) -> (loss, grad)`` over items ``idx``.

    Parameters
    ----------
    fun : callable
        Loss and gradient on the items ``idx`` (an index array).
    theta0 : float64 array
    n_items : int
    epochs, batch_size : int
    lr : float
        Adam rate (Keras' constants, :func:`snt.classify.training.adam_step`).
    lr_decay : float
        Factor applied to the rate after every epoch (1: constant).
    rng : numpy.random.Generator
        Shuffles.
    val_fn : callable, optional
        ``val_fn(theta) -> float`` to minimise (validation loss), checked after every epoch; the best
        parameters are returned.
    patience : int, optional
        Epochs without improvement of ``val_fn`` before stopping (None: never stop early).
    post_step : callable, optional
        ``theta -> theta`` applied after every step (e.g. a projection).

    Returns
    -------
    theta : float64 array
    history : dict of lists ``epoch, loss, val_loss, time``
    """
    theta = np.array(theta0, dtype=np.float64)
    state = {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "t": 0}
    hist = {"epoch": [], "loss": [], "val_loss": [], "time": []}
    best, best_theta, bad = np.inf, None, 0
    bs = min(int(batch_size), n_items)
    t0 = time.perf_counter()
    hist["stop"] = "maximum number of epochs reached"
    for epoch in tqdm(range(1, epochs + 1), disable=not progress, desc=desc, leave=False):
        order = rng.permutation(n_items)
        tot = 0.0
        for s in range(0, n_items, bs):
            idx = order[s:s + bs]
            f, g = fun(theta, idx)
            if not (np.isfinite(f) and np.all(np.isfinite(g))):
                raise FloatingPointError(f"non-finite loss or gradient at epoch {epoch}")
            theta = adam_step(theta, g, state, lr * lr_decay ** (epoch - 1))
            if post_step is not None:
                theta = post_step(theta)
            tot += f * len(idx)
        v = float(val_fn(theta)) if val_fn is not None else np.nan
        hist["epoch"].append(epoch)
        hist["loss"].append(tot / n_items)
        hist["val_loss"].append(v)
        hist["time"].append(time.perf_counter() - t0)
        if val_fn is not None:
            if v < best:
                best, best_theta, bad = v, theta.copy(), 0
            else:
                bad += 1
                if patience is not None and bad >= patience:
                    hist["stop"] = f"early stopping: validation loss did not improve in {patience} epochs"
                    break
    if best_theta is not None:
        theta = best_theta
    return theta, hist
