r"""The teacher–student experiment: a spectral student's eigenvalues reveal the size of its teacher.

Protocol (exact from the authors' teacher–student code unless stated; docs/science/spectral.md (S9), (S10)):

* inputs :math:`x \sim \mathcal N(0, I_{10})`, ``n_train`` training and ``n_test`` fresh test items; the
  targets are rescaled to the standard deviation ``target_std`` (not in the authors' code; (S10a));
* teacher: 10 → ReLU layer of ``teacher_size`` nodes → ReLU layer of ``teacher_second`` nodes → sum of the
  outputs (all weights Glorot-uniform, frozen). The second width is missing from the authors' shipped
  configuration; 10 is this package's choice;
* spectral student: 10 → spectral ReLU layer of :math:`h` nodes (no bias; φ and :math:`\lambda_\mathrm{out}`
  trained from ones, L2 ``eigen_l2`` on λ and ``base_l2`` on φ: the authors' 5e-4 and 1e-2, here by default
  half of them, see (S10b)) → trained dense ReLU layer of
  ``teacher_second`` nodes (here with L2 ``second_l2``, none in the authors' code) → frozen sum; Adam 0.005,
  batch 300, mean squared error (here by default a decaying rate from 0.02, see ``lr_decay``);
* direct student: the same architecture and initial φ with :math:`\lambda_\mathrm{out}` frozen at 1 (a plain
  dense layer with L2 on its weights); Adam 0.002 (here from 0.008), batch 500;
* importance :math:`s_i` of :func:`~snt.spectral.pruning.node_importance` (feature norm for the direct
  student); the *average dimension* counts the nodes with :math:`s_i/\max s > 0.05`;
* the ramp: for cutoffs :math:`c = 0, 0.05, \dots, 0.95` keep the nodes with :math:`s_i/\max s > c` (no
  retraining) and record :math:`\Delta\mathrm{MSE} = |\mathrm{MSE}_\mathrm{pruned} - \mathrm{MSE}_\mathrm{full}|`
  on the test set against :math:`n_\mathrm{kept} - h_T`.

The authors train 2000 epochs (validation split 0.2) over 10 (README: 30) trials per size; ``epochs`` and
``trials`` default lower here and the numbers must be read with them.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from .. import __version__
from .._seeds import as_seed_sequence, child
from .layer import SpectralLayer, glorot_uniform
from .network import SpectralNetwork, blas_threads, fit_adam
from .pruning import mask_nodes, node_importance, score

__all__ = ["teacher_student", "teacher_network", "student_network"]


def _dense(w, activation, trainable=()):
    """A dense layer as a spectral layer: λ_in = 0, λ_out = 1 frozen, so W = −φ."""
    n_in, n_out = w.shape
    return SpectralLayer(-w, np.zeros(n_in), np.ones(n_out), None, activation, trainable)


def _sum_readout(n):
    return SpectralLayer(np.ones((n, 1)), np.zeros(n), -np.ones(1), None, "linear", ())


def teacher_network(n_inputs, teacher_size, teacher_second, seed):
    """The frozen teacher (see the module docstring)."""
    rng = np.random.default_rng(seed)
    return SpectralNetwork([_dense(glorot_uniform(rng, n_inputs, teacher_size), "relu"),
                            _dense(glorot_uniform(rng, teacher_size, teacher_second), "relu"),
                            _sum_readout(teacher_second)], "mse")


def student_network(n_inputs, size, second, spectral, eigen_l2, base_l2, seed, second_l2=0.0):
    """Spectral (λ_out trained) or direct (λ_out frozen at 1) student; the same φ for the same ``seed``;
    ``second_l2``: L2 factor of the trained dense layer."""
    rng = np.random.default_rng(seed)
    phi = glorot_uniform(rng, n_inputs, size)
    first = SpectralLayer(phi, np.zeros(n_inputs), np.ones(size), None, "relu",
                          ("phi", "lam_out") if spectral else ("phi",),
                          {"phi": base_l2, "lam_out": eigen_l2})
    second_layer = _dense(glorot_uniform(rng, size, second), "relu", ("phi",))
    second_layer.l2 = {"phi": second_l2}
    return SpectralNetwork([first, second_layer, _sum_readout(second)], "mse")


def _train(net, X, Y, epochs, batch, lr, validation, rng, lr_decay=1.0, patience=None, watch=None):
    """Adam on the MSE; ``watch(net)`` is recorded after every epoch (returned as ``hist["watch"]``)."""
    n_val = int(round(validation * len(X)))
    seen = []
    Xt, Yt, Xv, Yv = X[n_val:], Y[n_val:], X[:n_val], Y[:n_val]

    def fun(theta, idx):
        net.set_theta(theta)
        return net.loss_grad(Xt[idx], Yt[idx])

    def val_fn(theta):
        net.set_theta(theta)
        if watch is not None:
            seen.append(watch(net))
        return net.evaluate(Xv, Yv)[0] if n_val else -float(len(seen))     # without validation: the last epoch

    theta, hist = fit_adam(fun, net.get_theta(), len(Xt), epochs=epochs, batch_size=batch, lr=lr, rng=rng,
                           val_fn=val_fn if n_val or watch is not None else None, lr_decay=lr_decay,
                           patience=patience)
    net.set_theta(theta)
    hist["watch"] = seen
    return hist


def _settled(hist):
    """True where the count is the same over the last quarter of the epochs trained (NaN after a stop)."""
    out = np.zeros(hist.shape[:-1], dtype=bool)
    for idx in np.ndindex(out.shape):
        h = hist[idx][np.isfinite(hist[idx])]
        tail = h[len(h) - max(1, len(h) // 4):]
        out[idx] = bool(len(h) >= 4 and tail.min() == tail.max())
    return out


def teacher_student(student_sizes=(20, 60, 200), teacher_size=20, teacher_second=10, trials=3, n_train=10000,
                    n_test=10000, n_inputs=10, epochs=1200, eigen_l2=2.5e-4, base_l2=5e-3, validation=0.2,
                    second_l2=5e-4, threshold=0.05, cutoffs=None, lr=0.02, direct_lr=0.008, lr_decay=0.998,
                    patience=None, target_std=1.33, teacher=None, seed=0, progress=False):
    r"""Train spectral and direct students of a fixed teacher; node importance, dimension and pruning ramp.

    Parameters
    ----------
    student_sizes : sequence of int
        Widths :math:`h` of the students' first layer.
    teacher_size, teacher_second : int
        Widths of the teacher's two layers (:math:`h_T` = ``teacher_size``).
    trials : int
        Independent students (initialisation and data) per size.
    n_train, n_test, n_inputs : int
    epochs : int
    eigen_l2, base_l2 : float
        L2 factors of the spectral student's λ_out and φ (φ only for the direct one). The defaults are half
        the authors' 5e-4 and 1e-2 (and ``second_l2`` half of 1e-3): the count measures the teacher nodes worth
        their penalty, and at the authors' factors the weakest nodes of a typical teacher (whose removal
        costs about 1 % of the target variance) are not (docs/science/spectral.md (S10b): 16-18 nodes of 20
        for the teachers of seeds 0 and 3 after 1200 epochs; with half the factors 18-22, mean 19.2, 19.6,
        20.2 for h = 20, 60, 200 over the teachers of seeds 0-4).
    second_l2 : float
        L2 factor of the trained dense layer of both students (the authors' code has none). A ReLU node's
        output is positively homogeneous in its incoming weights: with unpenalised outgoing weights a node can
        move its scale out of the penalised ones and the penalty no longer prefers fewer nodes. Measured on
        raw targets (h = 60, teacher 20, 10 000 items): with 0, 23 active nodes from epoch 150 to 300, 20 of
        them aligned with a teacher node (cosine >= 0.98) and 3 extra ones fitting the residual (cosine
        0.41-0.70); with 1e-3, 20 active nodes from epoch 100 on.
    validation : float
        Fraction of the training items kept for choosing the best epoch.
    lr, direct_lr : float
        Adam rates of the spectral and the direct student (the authors': 0.005 and 0.002, constant).
    lr_decay : float
        Factor applied to both rates after every epoch. 4x the authors' rates decaying by 0.998 per epoch
        (the default, over the default 1200 epochs; the authors train 2000 at constant rates) settle the count of
        every student size (measured: 30 active nodes of 60 after 400 epochs at the authors' constant 0.005, 23
        after 150 at 0.02; with a decay of 0.995 over 300 epochs the h = 200 students were still pruning).
    patience : int, optional
        Stop a student after this many epochs without a better validation loss (None: train all epochs).
    target_std : float or None
        The targets (training and test) are rescaled to this standard deviation (that of the training targets
        of each trial is measured), and every MSE and ΔMSE is reported in units of the target variance, so
        that the experiment does not depend on the scale of the teacher's output (docs/science/spectral.md
        (S10a)). The L2 penalty of a node is compared with the part of the target it explains: at a fixed
        penalty a teacher of smaller output variance loses its weakest nodes (measured on raw targets: 14, 14,
        11 nodes for a teacher of variance 0.41, 19, 19, 21 for one of 2.5). The default 1.33 is the median
        standard deviation of the output of the teachers of this family (x ~ N(0, I_10), Glorot 10 -> 20 -> 10,
        sum; 300 draws), so the authors' L2 factors keep the strength they have for a typical teacher. The
        teacher's layers are positively homogeneous and its readout has no bias, so the rescaled target is
        exactly representable. None: raw targets (the authors' code).
    teacher : SpectralNetwork, optional
        A frozen network from ``n_inputs`` inputs to one output, used instead of
        ``snt.spectral.teacher.teacher_network``
        (``teacher_size`` is then only the reference :math:`h_T` of the ramp).
    threshold : float
        Relative importance above which a node counts in the average dimension.
    cutoffs : array, optional
        Pruning cutoffs on :math:`s/\max s` (default 0, 0.05, …, 0.95).
    seed : int or SeedSequence
        Teacher from child 0; data and student of trial t from children (1, t) and (2, h, t).
    progress : bool

    Returns
    -------
    xarray.Dataset
        Dims ``model`` ("spectral", "direct"), ``size``, ``trial``, ``node``, ``cutoff``: ``importance``
        (NaN beyond the student's width), ``n_active``, ``mse`` (unpruned test MSE), ``n_kept``,
        ``delta_mse`` (both in units of the target variance unless ``target_std`` is None), ``target_std`` (per trial,
        of the raw targets), ``average_dimension`` and its ``_std`` over trials, ``n_active_history`` (the count after
        every epoch; NaN after an early stop) and ``settled`` (the count did not change over the last quarter of
        the epochs: where False, the dimension was still moving and the budget was too short);
        ``teacher_node_loss`` (dims ``trial``, ``teacher_node``): the test MSE of the teacher with one of its
        first-layer nodes removed, in the same units: a student's count falls short of the teacher's size where
        some of these are about as small as the penalty a node pays (S10b).
    """
    sizes = [int(h) for h in student_sizes]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"student_sizes must be positive widths, got {student_sizes!r}")
    for name, v in (("teacher_size", teacher_size), ("teacher_second", teacher_second), ("trials", trials),
                    ("n_train", n_train), ("n_test", n_test), ("epochs", epochs)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    cut = np.arange(0.0, 1.0, 0.05) if cutoffs is None else np.asarray(cutoffs, dtype=np.float64)
    ts = None if target_std is None else float(target_std)
    if ts is not None and not (np.isfinite(ts) and ts > 0):
        raise ValueError(f"target_std must be a positive number or None, got {target_std!r}")
    var = 1.0 if ts is None else ts * ts
    ss = as_seed_sequence(seed)
    if teacher is None:
        teacher = teacher_network(n_inputs, teacher_size, teacher_second, child(ss, 0))
    elif not (hasattr(teacher, "output") and teacher.layers[0].shape[0] == n_inputs
              and teacher.layers[-1].shape[1] == 1):
        raise ValueError(f"teacher must be a SpectralNetwork from n_inputs={n_inputs} inputs to one output")
    models = ("spectral", "direct")
    H = max(sizes)
    imp = np.full((2, len(sizes), trials, H), np.nan)
    n_act = np.zeros((2, len(sizes), trials), dtype=np.int64)
    mse = np.zeros((2, len(sizes), trials))
    n_kept = np.zeros((2, len(sizes), trials, len(cut)), dtype=np.int64)
    dmse = np.zeros((2, len(sizes), trials, len(cut)))
    n_hist = np.full((2, len(sizes), trials, epochs), np.nan)
    y_std = np.zeros(trials)
    T = teacher.layers[0].shape[1]
    t_loss = np.zeros((trials, T))
    bar = tqdm(total=2 * len(sizes) * trials, disable=not progress, desc="teacher-student")
    with blas_threads([H, n_inputs]):
        for t in range(trials):
            drng = np.random.default_rng(child(ss, 1, t))
            X = drng.standard_normal((n_train, n_inputs))
            Xs = drng.standard_normal((n_test, n_inputs))
            Y, Ys = teacher.output(X), teacher.output(Xs)
            Ys_raw = Ys
            y_std[t] = float(np.std(Y))
            if target_std is not None:
                if not y_std[t] > 0:
                    raise ValueError("target_std needs targets that vary: the teacher's output is constant")
                Y, Ys = Y * (ts / y_std[t]), Ys * (ts / y_std[t])
            for i in range(T):                 # the part of the target each teacher node carries
                t_loss[t, i] = score(mask_nodes(teacher, 0, np.delete(np.arange(T), i)), Xs, Ys_raw) \
                    / (y_std[t] ** 2 if ts is not None else 1.0)
            for si, h in enumerate(sizes):
                for mi, name in enumerate(models):
                    spectral = name == "spectral"
                    net = student_network(n_inputs, h, teacher_second, spectral, eigen_l2, base_l2,
                                          child(ss, 2, h, t), second_l2)
                    method = "spectral" if spectral else "norm"

                    def count(nw, method=method):
                        return int(np.sum(node_importance(nw, 0, method).normalized.values > threshold))

                    hist = _train(net, X, Y, epochs, 300 if spectral else 500, lr if spectral else direct_lr,
                                  validation, np.random.default_rng(child(ss, 3, h, t, mi)), lr_decay, patience,
                                  count)
                    n_hist[mi, si, t, :len(hist["watch"])] = hist["watch"]
                    s = node_importance(net, 0, method).normalized.values
                    imp[mi, si, t, :h] = s
                    n_act[mi, si, t] = int(np.sum(s > threshold))
                    full = score(net, Xs, Ys)
                    mse[mi, si, t] = full / var
                    for ci, c in enumerate(cut):
                        keep = np.nonzero(s > c)[0]
                        n_kept[mi, si, t, ci] = len(keep)
                        dmse[mi, si, t, ci] = abs(score(mask_nodes(net, 0, keep), Xs, Ys) - full) / var
                    bar.update(1)
    bar.close()
    params = dict(student_sizes=sizes, teacher_size=int(teacher_size), teacher_second=int(teacher_second),
                  trials=int(trials), n_train=int(n_train), n_test=int(n_test), n_inputs=int(n_inputs),
                  epochs=int(epochs), eigen_l2=float(eigen_l2), base_l2=float(base_l2), second_l2=float(second_l2),
                  validation=float(validation), threshold=float(threshold), lr=float(lr), direct_lr=float(direct_lr),
                  lr_decay=float(lr_decay), patience=patience, target_std=ts)
    ds = xr.Dataset(
        {"importance": (("model", "size", "trial", "node"), imp,
                        {"long_name": "node importance s / max s", "units": "1"}),
         "n_active": (("model", "size", "trial"), n_act,
                      {"long_name": f"nodes with s / max s > {threshold}", "units": "1"}),
         "mse": (("model", "size", "trial"), mse,
                 {"long_name": "test MSE (unpruned)" + (" / target variance" if ts is not None else ""), "units": "1"}),
         "target_std": ("trial", y_std, {"long_name": "standard deviation of the training targets (raw)",
                                         "units": "1"}),
         "teacher_node_loss": (("trial", "teacher_node"), t_loss,
                               {"long_name": "test MSE of the teacher without one of its first-layer nodes"
                                + (" / target variance" if ts is not None else ""), "units": "1"}),
         "n_kept": (("model", "size", "trial", "cutoff"), n_kept, {"long_name": "nodes kept", "units": "1"}),
         "delta_mse": (("model", "size", "trial", "cutoff"), dmse,
                       {"long_name": "|MSE pruned - MSE full|" + (" / target variance" if ts is not None else ""),
                        "units": "1"}),
         "n_active_history": (("model", "size", "trial", "epoch"), n_hist,
                              {"long_name": f"nodes with s / max s > {threshold} after each epoch", "units": "1"}),
         "settled": (("model", "size", "trial"), _settled(n_hist),
                     {"long_name": "node count constant over the last quarter of the epochs trained"})},
        coords={"model": ("model", list(models)),
                "size": ("size", sizes, {"long_name": "student width h", "units": "1"}),
                "trial": ("trial", np.arange(trials)),
                "node": ("node", np.arange(H), {"long_name": "hidden node", "units": "1"}),
                "teacher_node": ("teacher_node", np.arange(T), {"long_name": "teacher's first-layer node",
                                                                "units": "1"}),
                "cutoff": ("cutoff", cut, {"long_name": "pruning cutoff on s / max s", "units": "1"}),
                "epoch": ("epoch", np.arange(1, epochs + 1), {"long_name": "epoch", "units": "1"})},
        attrs={"title": "teacher-student spectral pruning", "source": f"snt {__version__}",
               "method": "docs/science/spectral.md (S8)-(S10)", "parameters": json.dumps(params),
               "teacher_size": int(teacher_size), "seed_entropy": str(ss.entropy)})
    ds["average_dimension"] = ds.n_active.mean("trial").assign_attrs(
        long_name="average dimension", units="1")
    ds["average_dimension_std"] = ds.n_active.std("trial").assign_attrs(
        long_name="std of the dimension over trials", units="1")
    return ds
