"""Datasets of a fitted :class:`~snt.classify.AttractorClassifier`: trajectories, stability, the classifier
itself (and back), in the package's result vocabulary: named dims, coordinates with ``long_name``/``units``,
provenance attributes (:func:`snt.io.provenance`: version, method, ``parameters`` as JSON, seed).

Saved classifiers carry the attribute ``format_version`` (:data:`FORMAT_VERSION`); :func:`migrate` reads
the older layouts (:data:`RENAMED_V1`, :data:`MOVED_V1`) and refuses a newer one.

Time: an ODE model's time is dimensionless (its equations have no physical time scale), so ``time`` is
:math:`t = n\\,\\Delta t` in the model's time unit, next to the step count ``step``; the SNT map's time is the
step. Growth rates are per model time unit (ODE) or per step (map).
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace

import numpy as np
import xarray as xr

from ..io import provenance
from .base import Params
from .config import Settings
from .objective import pack

__all__ = ["trajectories", "stability", "to_dataset", "from_dataset", "migrate", "format_version",
           "FORMAT_VERSION", "RENAMED_V1", "MOVED_V1"]

#: layout of the classifier written by :func:`to_dataset` (attribute ``format_version``). 1: written before
#: the settings table (:mod:`snt.classify.config`), without the attribute; 2: the settings of the estimator
#: (``estimator_params``) and the resolved ones (``parameters``), the labels as the ``class`` coordinate.
FORMAT_VERSION = 2

#: layout 1 -> 2, the renamed attributes: the estimator's parameters as JSON
RENAMED_V1 = {"snt_params": "estimator_params"}
#: layout 1 -> 2, the attributes that became fields of the resolved settings (attribute ``parameters``);
#: layout 1's ``n_classes`` became the ``class`` coordinate (its labels were 0 .. K-1), its ``model`` (the
#: model's name) is the ``model`` field, and its missing ``train_accuracy`` is read as NaN
MOVED_V1 = ("n_nodes", "steps", "dt", "eval_steps")

_REFS = ("arXiv:2311.10387, arXiv:2312.14681 (SA-nODE/EODECA); arXiv:2406.16453 (Wilson-Cowan); "
         "arXiv:2409.13470 (CVFR)")


def _attrs(clf, title, method, extra=None):
    cfg = clf.config_
    params = {**_settings_json(cfg), **(extra or {})}
    seed = {"seed_entropy": "none (fresh OS entropy)" if cfg.rng_seed is None else str(cfg.rng_seed)}
    return provenance(title, method, params, seed, references=_REFS)


def _settings_json(cfg):
    out = cfg.to_json()
    out["callback"] = None          # a function is not a setting that can be stored
    return out


def _time_coord(clf, steps):
    m = clf.model_
    n = np.arange(steps + 1)
    if m.discrete:
        return {"time": ("time", n, {"long_name": "time (map iterations)", "units": "step"})}
    return {"time": ("time", n * clf.dt_, {"long_name": f"time t = step x dt (dt = {clf.dt_:g})",
                                             "units": "model time unit"}),
            "step": ("time", n, {"long_name": "Euler step", "units": "step"})}


def _class_coord(clf):
    return _class_values(clf.classes_)


def trajectories(clf, Xp, steps=None):
    """Trajectories of the (padded, scaled) items ``Xp`` to the attractors.

    Returns
    -------
    xarray.Dataset
        ``state (item, time, node)`` (the excitatory x for Wilson–Cowan, also ``inhibitory``),
        ``distance (item, time, class)`` to every attractor with the readout's distance, ``prediction (item)``.
    """
    from .config import positive_int

    m = clf.model_
    steps = clf.eval_steps_ if steps is None else positive_int("steps", steps)
    c = m.coupling(clf.params_)
    noise = (*clf._noise_key(), 0) if m.stochastic else None
    traj = m.forward(c.A.astype(m.dtype), clf.params_.gamma, m.initial_state(Xp), steps, clf.dt_, noise)
    S = np.stack(traj, axis=1).astype(np.float64)           # (item, time, S)
    n = m.n_nodes
    outs = np.stack([m.output(s) for s in traj], axis=1).astype(np.float64)
    dist = np.stack([m.distances(outs[:, t]) for t in range(outs.shape[1])], axis=1)
    data = {"state": (("item", "time", "node"), S[:, :, :n],
                      {"long_name": "excitatory activity x" if m.n_state_blocks == 2 else "node state",
                       "units": "1"}),
            "distance": (("item", "time", "class"), dist,
                         {"long_name": "readout distance to the planted attractor", "units": "1"}),
            "prediction": (("item",), clf.classes_[np.argmin(dist[:, -1], axis=1)],
                           {"long_name": "predicted class", "units": "1"})}
    if m.n_state_blocks == 2:
        data["inhibitory"] = (("item", "time", "node"), S[:, :, n:],
                              {"long_name": "inhibitory activity y", "units": "1"})
    coords = {"item": ("item", np.arange(len(Xp)), {"long_name": "item index", "units": "1"}),
              **_time_coord(clf, steps),
              "node": ("node", np.arange(n), {"long_name": "node index", "units": "1"}),
              "class": _class_coord(clf)}
    attrs = _attrs(clf, f"{m.name} trajectories from the items to the planted attractors",
                   f"{m.name} dynamics integrated from each item (see snt.classify.{type(m).__module__.rsplit('.', 1)[-1]})",
                   {"trajectory_steps": int(steps)})
    return xr.Dataset(data, coords=coords, attrs=attrs)


def stability(clf):
    """Linear stability of every planted attractor, over ``class``.

    ``growth_rate``: max real part of the Jacobian's eigenvalues (ODE models, per model time unit) or log of
    the spectral radius of the map's Jacobian (SNT map, per step); negative = stable. ``residual``: max-norm
    of the drift at the pattern (0 up to rounding for a planted fixed point). ``stable``: ``growth_rate < 0``.
    """
    m = clf.model_
    g = m.growth_rates(clf.params_)
    r = m.residuals(clf.params_)
    if m.discrete:
        long, unit = "log spectral radius of the map Jacobian", "1/step"
    else:
        long, unit = "max real part of the Jacobian eigenvalues", "1/(model time unit)"
    return xr.Dataset({"growth_rate": ("class", g, {"long_name": long, "units": unit}),
                       "residual": ("class", r, {"long_name": "fixed-point residual (max norm of the drift)",
                                                 "units": "1"}),
                       "stable": ("class", (g < 0).astype(np.int8),
                                  {"long_name": "attractor linearly stable (1) or not (0)", "units": "1"})},
                      coords={"class": _class_coord(clf)},
                      attrs=_attrs(clf, f"{m.name}: linear stability of the planted attractors",
                                   "eigenvalues of the Jacobian at each planted fixed point (numpy.linalg.eigvals)"))


def to_dataset(clf):
    """The fitted classifier: trained parameters, training history, labels and settings (``parameters``)."""
    p, h, res = clf.params_, clf.result_.history, clf.result_
    one = {"units": "1"}
    data = {"phi_tr": (("node", "mode"), p.phi_tr, {"long_name": "trained eigenvectors", **one}),
            "lam_tr": (("mode",), p.lam_tr, {"long_name": "trained eigenvalues", **one}),
            "gamma": ((), p.gamma, {"long_name": "trained dynamical scalar", **one}),
            "loss": (("iteration",), np.asarray(h["loss"], float), {"long_name": "training loss", **one}),
            "val_accuracy": (("iteration",), np.asarray(h["val_accuracy"], float),
                             {"long_name": "validation accuracy", **one})}
    if clf.feature_min_ is not None:
        data["feature_min"] = (("feature",), clf.feature_min_, {"long_name": "training minimum of the feature",
                                                                 "units": "feature unit"})
        data["feature_range"] = (("feature",), clf.feature_range_, {"long_name": "training range of the feature",
                                                                     "units": "feature unit"})
    coords = {"class": _class_coord(clf),
              "node": ("node", np.arange(clf.model_.n_nodes), {"long_name": "node index", "units": "1"}),
              "mode": ("mode", np.arange(len(p.lam_tr)), {"long_name": "trained mode index", "units": "1"}),
              "iteration": ("iteration", np.asarray(h["nit"], int),
                            {"long_name": "epoch (Adam) or iteration (L-BFGS)", "units": "1"})}
    estimator = {k: v for k, v in clf.get_params().items() if k != "callback"}
    attrs = _attrs(clf, f"snt planted-attractor classifier ({clf.model_.name})",
                   f"trained with {clf.config_.optimizer} on the exact discrete-adjoint gradient "
                   "(snt.classify.training)")
    attrs.update({"format_version": FORMAT_VERSION,
                  "estimator_params": json.dumps(Settings(**estimator).to_json()),
                  "n_features_in": int(clf.n_features_in_), "train_time": float(res.train_time),
                  "train_accuracy": float(res.train_accuracy), "message": str(res.message), "nit": int(res.nit)})
    return xr.Dataset(data, coords=coords, attrs=attrs)


def format_version(ds):
    """The layout version of a saved classifier: its ``format_version`` attribute, else 1 for a file with
    layout 1's ``snt_params`` and 2 for one with ``estimator_params`` (written before the attribute), else
    None (not a classifier)."""
    v = ds.attrs.get("format_version")
    if v is not None:
        try:
            return int(v)
        except (TypeError, ValueError):
            from ..errors import CorruptFileError

            raise CorruptFileError(f"format_version must be an integer, got {v!r}") from None
    if "estimator_params" in ds.attrs:
        return 2
    if "snt_params" in ds.attrs:
        return 1
    return None


def migrate(ds, source="ds"):
    """The saved classifier ``ds`` in the current layout (:data:`FORMAT_VERSION`): a copy converted from an
    older one, ``ds`` itself when current; a newer layout is refused (UnsupportedVersionError, naming both
    versions and the snt that wrote it). Layout 1 to 2:

    * attribute ``snt_params`` renamed ``estimator_params`` (:data:`RENAMED_V1`), its values checked by
      :class:`~snt.classify.config.Settings` (layout 1 stored tuples and arrays as their ``str``);
    * attributes ``n_nodes``, ``steps``, ``dt``, ``eval_steps`` (:data:`MOVED_V1`) moved into the resolved
      settings, attribute ``parameters``, which are the estimator's parameters with these filled in;
    * ``n_classes`` K became the ``class`` coordinate 0 .. K-1 (layout 1 had integer labels 0 .. K-1 only);
      ``model`` (the model's name) dropped, it is the ``model`` setting; ``train_accuracy`` NaN (not
      recorded).
    """
    v = format_version(ds)
    if v is None:
        return ds
    if v > FORMAT_VERSION or v < 1:
        from ..errors import UnsupportedVersionError

        wrote = ds.attrs.get("source", "an unknown program")
        raise UnsupportedVersionError(
            f"{source} is a classifier of format version {v} (written by {wrote}); this snt reads format "
            f"versions 1 to {FORMAT_VERSION}")
    if v == 1:
        ds = _v1_to_v2(ds)
    return ds


#: fields whose layout-1 value may be the ``str`` of a tuple or an array
_SEQUENCE_FIELDS = ("lr_milestones", "sigma")


def _v1_value(name, v):
    if name == "dtype" and isinstance(v, str):
        return "float32" if "float32" in v else "float64" if "float64" in v else v
    if name in _SEQUENCE_FIELDS and isinstance(v, str):
        try:
            return ast.literal_eval(v)
        except (ValueError, SyntaxError):
            return tuple(float(x) for x in v.strip("[]() ").replace(",", " ").split())
    return v


def _v1_to_v2(ds):
    from ..errors import CorruptFileError

    old = dict(ds.attrs)
    missing = [k for k in (*RENAMED_V1, *MOVED_V1, "n_classes") if k not in old]
    if missing:
        raise CorruptFileError(f"a classifier of format version 1 needs the attributes {missing}")
    raw = json.loads(old.pop("snt_params"))
    est = Settings(**{k: _v1_value(k, v) for k, v in raw.items() if k != "callback"})
    cast = {"n_nodes": int, "steps": int, "dt": float, "eval_steps": int}
    cfg = replace(est, **{k: cast[k](old.pop(k)) for k in MOVED_V1})
    K = int(old.pop("n_classes"))
    old.pop("model", None)
    out = ds.copy()
    out.attrs = {**old, "format_version": FORMAT_VERSION, RENAMED_V1["snt_params"]: json.dumps(est.to_json()),
                 "parameters": json.dumps(_settings_json(cfg)),
                 "train_accuracy": float(old.get("train_accuracy", np.nan))}
    return out.assign_coords({"class": _class_values(np.arange(K))})


def _class_values(labels):
    return ("class", labels, {"long_name": "class label (planted attractor)", "units": "1"})


def from_dataset(cls, ds):
    """Rebuild a fitted classifier of class ``cls`` from :func:`to_dataset` output (of any layout
    :func:`migrate` reads)."""
    from .data import check_classifier_dataset
    from .estimator import make_model

    ds = check_classifier_dataset(ds)     # a clear error naming what is missing, not a KeyError; migrated
    clf = cls(**{k: v for k, v in json.loads(ds.attrs["estimator_params"]).items() if k != "callback"})
    cfg = Settings(**{k: v for k, v in json.loads(ds.attrs["parameters"]).items() if k != "callback"})
    clf.config_ = cfg
    clf.classes_ = np.asarray(ds["class"].values)
    clf.n_features_in_ = int(ds.attrs["n_features_in"])
    if "feature_min" in ds:
        clf.feature_min_, clf.feature_range_ = ds["feature_min"].values, ds["feature_range"].values
    else:
        clf.feature_min_ = clf.feature_range_ = None
    clf.model_ = make_model("cvfr" if cfg.training_noise else cfg.model, cfg.n_nodes,
                            len(clf.classes_), dtype=np.dtype(cfg.dtype).type, sigma=cfg.sigma,
                            noise=cfg.noise)
    clf.model_.loss, clf.model_.temperature = cfg.loss, cfg.temperature
    clf.steps_, clf.dt_, clf.eval_steps_ = cfg.steps, cfg.dt, cfg.eval_steps
    clf.params_ = Params(np.asarray(ds["phi_tr"].values, float), np.asarray(ds["lam_tr"].values, float),
                         float(ds["gamma"].values))
    info = dict(x=pack(clf.model_, clf.params_),
                fun=float(ds["loss"].values[-1]) if ds.sizes["iteration"] else np.nan,
                nit=int(ds.attrs["nit"]), nfev=0, success=True, message=str(ds.attrs["message"]),
                history={"nit": ds["iteration"].values, "loss": ds["loss"].values,
                         "val_accuracy": ds["val_accuracy"].values},
                best_val_accuracy=np.nan, n_clipped=0)
    clf._finish(info, float(ds.attrs["train_time"]), float(ds.attrs["train_accuracy"]))
    return clf
