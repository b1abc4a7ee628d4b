r"""Trainers: L-BFGS-B (scipy) with box constraints and projected Adam (numpy), both monitored.

Both minimise the loss of :class:`~snt.classify.objective.Objective` with its exact gradient.

* ``"lbfgs"``: :func:`scipy.optimize.minimize` with ``method="L-BFGS-B"``, ``jac=True`` and the eigenvalue
  (and γ) boxes of the model as ``bounds``. With ``batch_size=None`` the objective is the full training set
  (processed in chunks); with ``batch_size=b`` training runs in stages on nested random subsets of size
  ``b, 2b, 4b, ...`` up to the full set, each stage warm-started from the previous one and given an equal
  share of ``maxiter``. For stochastic models the noise is frozen per stage (common random numbers).
* ``"adam"``: the papers' protocol, mini-batches of ``batch_size`` items, ``maxiter`` epochs, Keras'
  Adam (:math:`\beta_1=0.9, \beta_2=0.999, \epsilon=10^{-7}`, bias correction in the step size), followed by a
  projection of λ and γ onto their boxes (the box replaces the original clipping inside the forward pass).
  ``lr_decay`` multiplies the learning rate after every epoch (1 = the papers' constant rate), and
  ``lr_drop`` multiplies it once more after each epoch listed in ``lr_milestones`` (a step schedule, as
  PyTorch's ``MultiStepLR``): the rate of epoch :math:`e` is
  :math:`\eta\,\delta^{e-1}\,d^{\#\{m \in M:\, m < e\}}` (:func:`adam_rate`).
  ``ema`` (a momentum :math:`\mu`, e.g. 0.99) keeps the exponential moving average of the parameters over the
  mini-batch steps, :math:`\bar\theta \leftarrow \mu\bar\theta + (1-\mu)\theta` (as Keras' ``use_ema``);
  validation, checkpoints' best parameters and the result use :math:`\bar\theta` while the steps continue
  from :math:`\theta`. The average of points inside the boxes stays inside them, and every parameter
  vector keeps the planted patterns as exact fixed points, so the average is a valid model.
* ``lr_scale`` (both): a per-parameter learning-rate factor :math:`\rho` (default 1). Adam uses the rate
  :math:`\eta \rho_i` for parameter :math:`i` (e.g. a larger rate for the eigenvalues than for the
  eigenvector entries). L-BFGS-B optimises the rescaled variables :math:`z_i = \theta_i/\sqrt{\rho_i}` (bounds
  and gradient mapped accordingly), i.e. it starts from the diagonal inverse-Hessian guess
  :math:`\propto \mathrm{diag}(\rho)` instead of the identity: its first step is along :math:`-\rho \circ g`, as
  for gradient descent with per-parameter rates :math:`\eta\rho_i`.
* ``clip_norm`` (Adam): a mini-batch gradient whose Euclidean norm exceeds it is rescaled to it (Keras'
  ``clipnorm``); ``result.n_clipped`` counts those batches (in this call). Wilson–Cowan at the papers'
  Fashion-MNIST settings had, in its first epoch, a mini-batch gradient 7840 times the median (digits, with
  negative initial fractions: 10⁵). One such batch inflates Adam's second moment so much that the steps of
  the parameters it touched stay negligible for thousands of steps. A likely source is bistability: the
  adjoint of an item that lingers near a separatrix grows like :math:`e^{\mu t}` (µ = 2.44 at Wilson–Cowan's
  middle zero, :math:`e^{\mu T} \approx 5000` over T = 3.5).
* ``input_noise`` (both): Gaussian noise of that standard deviation added to the features of the training
  items, :math:`x(0) = x + \sigma_\mathrm{in}\,\zeta`, :math:`\zeta \sim \mathcal N(0, I)` (the zero padding is
  left alone) and clipped to the model's ``state_range`` where it has one (Wilson–Cowan: [0, 1]): a fresh
  draw for every Adam mini-batch, one frozen draw per L-BFGS stage. It regularises by
  data augmentation (cf. training with noise as a Tikhonov penalty, Bishop 1995); validation uses the clean
  items.

Monitoring (both): ``callback(intermediate_result)`` after every iteration/epoch with an
:class:`~scipy.optimize.OptimizeResult` holding ``x, fun, nit, val_accuracy`` (raise ``StopIteration`` to stop),
a tqdm progress bar, validation accuracy every ``val_every`` iterations with early stopping after
``patience`` checks without improvement (the best parameters are restored), and a checkpoint file
(``.npz``) written every ``checkpoint_every`` iterations from which an interrupted run resumes.
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np
import scipy.optimize
from tqdm.auto import tqdm

from .objective import Objective

_log = logging.getLogger(__name__)

__all__ = ["train", "adam_step", "adam_rate"]


def adam_step(theta, grad, state, lr, beta1=0.9, beta2=0.999, eps=1e-7):
    r"""One Keras-style Adam update, in place on ``state = {"m", "v", "t"}``; returns the new parameters.

    .. math::

        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
        \theta \leftarrow \theta - \eta\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\frac{m}{\sqrt v + \epsilon}
    """
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * grad
    state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - lr_t * state["m"] / (np.sqrt(state["v"]) + eps)


class _Monitor:
    """Validation, early stopping, history, callback, checkpoints and progress for one run."""

    def __init__(self, val_fn, patience, val_every, callback, pbar, checkpoint, checkpoint_every, history):
        self.val_fn, self.patience, self.val_every = val_fn, patience, max(1, int(val_every))
        self.callback, self.pbar = callback, pbar
        self.checkpoint, self.checkpoint_every = checkpoint, max(1, int(checkpoint_every))
        self.history = history
        self.best_val, self.best_theta, self.bad = -np.inf, None, 0
        self.t0 = time.perf_counter() - (history["time"][-1] if history["time"] else 0.0)
        self.stop_reason = None

    def __call__(self, theta, fun, nit, extra=None):
        """Record one iteration; returns True when training must stop."""
        val = np.nan
        if self.val_fn is not None and nit % self.val_every == 0:
            val = float(self.val_fn(theta))
            if val > self.best_val:
                self.best_val, self.best_theta, self.bad = val, theta.copy(), 0
            else:
                self.bad += 1
        h = self.history
        h["nit"].append(int(nit))
        h["loss"].append(float(fun))
        h["val_accuracy"].append(val)
        h["time"].append(time.perf_counter() - self.t0)
        if self.pbar is not None:
            self.pbar.update(1)
            post = {"loss": f"{fun:.4g}"}
            if np.isfinite(val):
                post["val"] = f"{val:.4f}"
            self.pbar.set_postfix(post, refresh=False)
        _log.log(logging.INFO if np.isfinite(val) else logging.DEBUG, "optimiser iteration %d: loss %.6g%s", nit, fun,
                   f", validation accuracy {val:.4f}" if np.isfinite(val) else "")
        if self.checkpoint is not None and nit % self.checkpoint_every == 0:
            self.save(theta, nit, extra)
        if self.callback is not None:
            res = scipy.optimize.OptimizeResult(x=theta, fun=fun, nit=nit, val_accuracy=val)
            try:
                self.callback(res)
            except StopIteration:
                self.stop_reason = "stopped by callback"
                return True
        if self.val_fn is not None and self.patience > 0 and self.bad >= self.patience:
            self.stop_reason = f"early stopping: validation accuracy did not improve in {self.patience} checks"
            return True
        return False

    def save(self, theta, nit, extra):
        arrays = {"theta": theta, "nit": np.array(nit),
                  "best_val": np.array(self.best_val),
                  "best_theta": self.best_theta if self.best_theta is not None else np.zeros(0),
                  "bad": np.array(self.bad)}
        for k, v in self.history.items():
            arrays["history_" + k] = np.asarray(v, dtype=float)
        for k, v in (extra or {}).items():
            arrays["extra_" + k] = np.asarray(v)
        tmp = self.checkpoint + ".tmp.npz"
        np.savez(tmp, **arrays)
        os.replace(tmp, self.checkpoint)


def load_checkpoint(path):
    """Read a checkpoint written by :func:`train`; returns a dict (``theta``, ``nit``, ``history``, ...)."""
    with np.load(path) as z:
        out = {"theta": z["theta"], "nit": int(z["nit"]), "best_val": float(z["best_val"]),
               "best_theta": z["best_theta"] if z["best_theta"].size else None, "bad": int(z["bad"]),
               "history": {}, "extra": {}}
        for k in z.files:
            if k.startswith("history_"):
                name = k[len("history_"):]
                vals = z[k].tolist()
                out["history"][name] = [int(v) for v in vals] if name == "nit" else vals
            elif k.startswith("extra_"):
                out["extra"][k[len("extra_"):]] = z[k]
    return out


def adam_rate(lr, epoch, lr_decay=1.0, lr_milestones=(), lr_drop=1.0, lr_warmup=0):
    r"""Adam's learning rate in epoch ``epoch`` (from 1): :math:`\eta\,\delta^{e-1}\,d^{\#\{m:\,m<e\}}`, times
    :math:`\min(1, e/(w+1))` for ``lr_warmup`` :math:`= w` epochs of warm-up."""
    warm = min(1.0, epoch / (lr_warmup + 1))
    return warm * lr * lr_decay ** (epoch - 1) * lr_drop ** sum(1 for m in lr_milestones if m < epoch)


def train(model, theta0, X, Y, cfg, *, lower, upper, rng, val_fn=None, lr_scale=None, n_features=None,
          work=None):
    """Run one optimisation; returns ``(theta, info)`` with ``info`` the fields of the result (see the module
    docstring): ``x, fun, nit, nfev, success, message, history, best_val_accuracy, n_clipped``.

    ``X`` and ``Y`` are the (padded) training inputs and class indices; ``theta0`` the initial flat parameter
    vector; ``cfg`` the resolved :class:`~snt.classify.config.Settings` (optimizer, schedule, input noise,
    early stopping, checkpointing, chunk, callback, progress); ``lower``/``upper`` the boxes; ``rng`` a
    Generator for shuffling, subsets and noise keys; ``lr_scale`` None or a positive array shaped like
    ``theta0`` (per-parameter step factor). The input noise (``cfg.input_noise`` times ``cfg.input_scale``) is
    added to the first ``n_features`` columns of the training items (the padding stays 0): drawn afresh for
    every mini-batch by Adam (from ``(seed, epoch)``, so a resumed run repeats it), frozen per stage by
    L-BFGS. ``work`` is the :class:`~snt.classify.base.Workspace` of the trajectories.
    """
    optimizer, maxiter, batch_size, lr = cfg.optimizer, cfg.maxiter, cfg.batch_size, cfg.lr
    lr_decay, lr_milestones, lr_drop, ema, clip_norm = cfg.lr_decay, cfg.lr_milestones, cfg.lr_drop, cfg.ema, \
        cfg.clip_norm
    steps, dt, chunk = cfg.steps, cfg.dt, cfg.chunk
    checkpoint, resume = cfg.checkpoint, cfg.resume
    stochastic = model.stochastic
    n_clipped = 0
    if lr_scale is None:
        lr_scale = var_scale = 1.0
    else:
        lr_scale = np.asarray(lr_scale, dtype=np.float64)
        if lr_scale.shape != np.shape(theta0) or not np.all(np.isfinite(lr_scale) & (lr_scale > 0)):
            raise ValueError("lr_scale must be a positive finite array shaped like theta0")
        var_scale = np.sqrt(lr_scale)           # L-BFGS variables z = theta / var_scale
    input_noise = cfg.input_noise * cfg.input_scale
    nf = X.shape[1] if n_features is None else int(n_features)
    state_range = model.state_range

    def noisy(Xb, noise_rng):
        """The items ``Xb`` (a fresh array) with the input noise added to their features, clipped to the
        model's ``state_range`` if it has one."""
        if input_noise > 0:
            Xb[:, :nf] += input_noise * noise_rng.standard_normal((len(Xb), nf))
            if state_range is not None:
                np.clip(Xb[:, :nf], *state_range, out=Xb[:, :nf])
        return Xb

    history = {"nit": [], "loss": [], "val_accuracy": [], "time": []}
    start_nit = 0
    theta = np.array(theta0, dtype=np.float64)
    extra_state = {}
    best = None
    if checkpoint is not None and resume and os.path.exists(checkpoint):
        ck = load_checkpoint(checkpoint)
        if ck["theta"].shape != theta.shape:
            raise ValueError(f"checkpoint {checkpoint!r} holds {ck['theta'].size} parameters, "
                             f"the model has {theta.size}; delete it or change the model")
        theta, start_nit, history = ck["theta"].copy(), ck["nit"], ck["history"]
        extra_state = ck["extra"]
        best = (ck["best_val"], ck["best_theta"], ck["bad"])
    pbar = tqdm(total=maxiter, initial=min(start_nit, maxiter), disable=not cfg.verbose,
                desc=f"{model.name} {optimizer}", leave=False, dynamic_ncols=True)
    mon = _Monitor(val_fn, cfg.patience, cfg.val_every, cfg.callback, pbar, checkpoint, cfg.checkpoint_every,
                   history)
    if best is not None:
        mon.best_val, mon.best_theta, mon.bad = best
    nfev = 0
    avg = None
    message = "maximum number of iterations reached"
    success = True
    B = len(X)
    base_seed = int(rng.integers(2**62))
    try:
        if optimizer == "adam":
            bs = B if batch_size is None else min(int(batch_size), B)
            state = {"m": extra_state.get("m", np.zeros_like(theta)),
                     "v": extra_state.get("v", np.zeros_like(theta)),
                     "t": int(extra_state.get("t", 0))}
            if "raw" in extra_state:
                theta = np.array(extra_state["raw"], dtype=np.float64)
            if ema is not None:
                avg = np.array(extra_state["ema"], dtype=np.float64) if "ema" in extra_state else theta.copy()
            seed_used = base_seed if "seed" not in extra_state else int(extra_state["seed"])
            for epoch in range(start_nit + 1, maxiter + 1):
                # the shuffle of each epoch depends only on (seed, epoch): resuming repeats it exactly
                erng = np.random.default_rng((seed_used, epoch))
                order = erng.permutation(B)
                # the input noise has a stream of its own: shuffles and dynamical noise do not depend on it
                nrng = np.random.default_rng((seed_used, epoch, 1))
                tot = 0.0
                rate = adam_rate(lr, epoch, lr_decay, lr_milestones, lr_drop, cfg.lr_warmup)
                for bi, start in enumerate(range(0, B, bs)):
                    idx = order[start:start + bs]
                    obj = Objective(model, noisy(X[idx], nrng), Y[idx], steps, dt, chunk=chunk,
                                    noise_seed=(int(erng.integers(2**62)) if stochastic else None), work=work)
                    f, g = obj(theta)
                    nfev += 1
                    if not np.all(np.isfinite(g)) or not np.isfinite(f):
                        raise FloatingPointError(f"non-finite loss or gradient at epoch {epoch}, batch {bi}")
                    if clip_norm is not None:
                        gn = float(np.linalg.norm(g))
                        if gn > clip_norm:
                            g = g * (clip_norm / gn)
                            n_clipped += 1
                    theta = np.clip(adam_step(theta, g, state, rate * lr_scale),
                                    lower, upper)
                    if ema is not None:
                        avg *= ema
                        avg += (1.0 - ema) * theta
                    tot += f * len(idx)
                extra = {"m": state["m"], "v": state["v"], "t": state["t"], "seed": seed_used}
                if ema is not None:
                    extra["ema"], extra["raw"] = avg, theta      # the checkpoint's theta is the average
                if mon(theta if ema is None else avg, tot / B, epoch, extra):
                    message = mon.stop_reason
                    break
        elif optimizer == "lbfgs":
            if batch_size is None or int(batch_size) >= B:
                sizes = [B]
            else:
                sizes = []
                s = int(batch_size)
                while s < B:
                    sizes.append(s)
                    s *= 2
                sizes.append(B)
            perm = np.random.default_rng((base_seed, 0)).permutation(B)
            per_stage = max(1, maxiter // len(sizes))
            nit = start_nit
            stopped = False
            for si, size in enumerate(sizes):
                stage_end = maxiter if si == len(sizes) - 1 else (si + 1) * per_stage
                if nit >= stage_end:
                    continue
                idx = np.sort(perm[:size])
                obj = Objective(model, noisy(X[idx], np.random.default_rng((base_seed, si, 1))), Y[idx], steps,
                                dt, chunk=chunk,
                                noise_seed=(base_seed + si if stochastic else None), work=work)
                counter = {"nit": nit}

                def cb(intermediate_result):
                    # scipy passes an OptimizeResult only to a callback with exactly this signature
                    counter["nit"] += 1
                    if mon(intermediate_result.x * var_scale, intermediate_result.fun, counter["nit"]):
                        raise StopIteration

                def scaled(z, obj=obj):
                    # theta = D z: the gradient with respect to z is D times that with respect to theta
                    f, g = obj(z * var_scale)
                    return f, g * var_scale

                res = scipy.optimize.minimize(scaled, theta / var_scale, jac=True, method="L-BFGS-B",
                                              bounds=scipy.optimize.Bounds(lower / var_scale, upper / var_scale),
                                              callback=cb, options={"maxiter": stage_end - nit, "maxcor": 20})
                nfev += obj.nfev
                theta, nit = res.x * var_scale, counter["nit"]
                if mon.stop_reason is not None:
                    message, stopped = mon.stop_reason, True
                    break
                message = str(res.message)
                success = bool(res.success) or res.status == 1
            if not stopped and len(sizes) > 1:
                message = f"{message} (stages of {sizes} items)"
        else:
            raise ValueError(f"optimizer must be 'lbfgs' or 'adam', got {optimizer!r}")
    except KeyboardInterrupt:
        message, success = "interrupted", False
    finally:
        pbar.close()
    if avg is not None:
        theta = avg
        message += f"; moving average of the parameters (momentum {ema})"
    if mon.best_theta is not None and val_fn is not None:
        theta = mon.best_theta.copy()
        message += f"; parameters of the best validation accuracy ({mon.best_val:.4f}) restored"
    info = dict(x=theta, fun=history["loss"][-1] if history["loss"] else np.nan,
                nit=history["nit"][-1] if history["nit"] else 0, nfev=nfev, success=success, message=message,
                history={k: np.asarray(v) for k, v in history.items()},
                best_val_accuracy=mon.best_val if val_fn is not None else np.nan, n_clipped=n_clipped)
    return theta, info
