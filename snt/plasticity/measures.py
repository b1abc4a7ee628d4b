r"""Measures of a trained plastic layer: selectivity, the selected set, the overlap index, the memorisation
capacity, receptive fields, and scans of one parameter (docs/science/plasticity.md (P10)–(P12)).

Neuron i *selects* pattern x when :math:`y_i(x) - \mathbb E_x[y_i] > 0`; :math:`A_i` is its selected set,
:math:`\alpha_i = |A_i|` its selectivity (small: selective), :math:`S = |\cup_i A_i|` the patterns
selected by the network, :math:`\beta = S/\bar\alpha \in [1, K]` the overlap index (1: every neuron
selects the same set; K: disjoint sets of equal size) and :math:`S_{\max} = \sum_i \alpha_i` the largest
number of patterns K neurons of these selectivities can select (reached at β = K).
"""

import numpy as np
import xarray as xr

from .._checks import check_int
from ..io import provenance
from .layer import PlasticLayer

__all__ = ["selectivity", "receptive_fields", "scan"]


def _responses(model, X, responses):
    if responses is not None:
        if model is not None or X is not None:
            raise TypeError("selectivity: give either (model, X) or responses=, not both")
        Y = np.asarray(responses, dtype=np.float64)
        if Y.ndim != 2 or Y.shape[0] < 1 or Y.shape[1] < 1:
            raise ValueError(f"responses must be 2-D (samples, neurons), got shape {Y.shape}")
        if not np.all(np.isfinite(Y)):
            raise ValueError("responses must be finite")
        return Y
    if not isinstance(model, PlasticLayer):
        raise TypeError(f"model must be a fitted snt.plasticity layer (BCM, KrotovHopfield), got "
                        f"{type(model).__name__}")
    if X is None:
        raise TypeError("selectivity: X (samples, features) is required with a model")
    return np.asarray(model.transform(X), dtype=np.float64)


def selectivity(model=None, X=None, *, labels=None, responses=None):
    r"""Selectivity :math:`\alpha_i`, selected set S, overlap index β and memorisation capacity (P10, P11).

    Parameters
    ----------
    model : BCM or KrotovHopfield, optional
        A fitted layer; its responses to ``X`` are measured.
    X : (n_samples, n_features) array_like, optional
        The evaluation patterns.
    labels : (n_samples,) array_like of int, optional
        Classes of the patterns: adds each neuron's preferred class (largest mean response), the purity of
        its selected set and the number of classes preferred by some neuron.
    responses : (n_samples, n_neurons) array_like, optional
        Responses given directly instead of ``model`` and ``X``.

    Returns
    -------
    xarray.Dataset
        ``alpha`` (neuron) = :math:`|A_i|`; ``alpha_fraction`` (neuron) = :math:`\alpha_i/n`; ``selected``
        (neuron, sample) the sets :math:`A_i`; ``S`` (); ``alpha_mean`` (); ``beta`` () = :math:`S/\bar\alpha`
        (NaN when no neuron selects anything); ``capacity`` () = :math:`\sum_i\alpha_i` (P11, an upper bound on
        S); ``n_samples`` (); with labels also ``preferred_class``, ``purity`` (neuron) and
        ``classes_covered`` ().
    """
    Y = _responses(model, X, responses)
    n, K = Y.shape
    sel = (Y - Y.mean(axis=0)) > 0                                   # (n, K)
    alpha = sel.sum(axis=0)
    S = int(sel.any(axis=1).sum())
    abar = float(alpha.mean())
    data = {
        "alpha": (("neuron",), alpha.astype(np.int64), {"long_name": "selectivity alpha_i = |A_i|",
                                                        "units": "patterns"}),
        "alpha_fraction": (("neuron",), alpha / n, {"long_name": "alpha_i / n_samples", "units": "1"}),
        "selected": (("neuron", "sample"), sel.T, {"long_name": "pattern in A_i (y_i(x) > E[y_i])"}),
        "S": ((), np.int64(S), {"long_name": "patterns selected by the network |U_i A_i|", "units": "patterns"}),
        "alpha_mean": ((), abar, {"long_name": "mean selectivity", "units": "patterns"}),
        "beta": ((), S / abar if abar > 0 else np.nan, {"long_name": "overlap index beta = S / mean alpha",
                                                        "units": "1", "valid_range": [1.0, float(K)]}),
        "capacity": ((), np.int64(alpha.sum()), {"long_name": "memorisation capacity sum_i alpha_i (upper bound "
                                                              "on S, reached at beta = K)", "units": "patterns"}),
        "n_samples": ((), np.int64(n), {"long_name": "evaluation patterns"}),
    }
    if labels is not None:
        lab = np.asarray(labels)
        if lab.shape != (n,) or not np.issubdtype(lab.dtype, np.integer):
            raise ValueError(f"labels must be integers of shape ({n},), got {lab.dtype} {lab.shape}")
        classes = np.unique(lab)
        means = np.stack([Y[lab == c].mean(axis=0) for c in classes])          # (C, K)
        pref = np.where(alpha > 0, classes[np.argmax(means, axis=0)], -1)     # -1: a silent neuron
        purity = np.array([(lab[sel[:, i]] == pref[i]).mean() if alpha[i] else np.nan for i in range(K)])
        data["preferred_class"] = (("neuron",), pref, {"long_name": "class of largest mean response (-1: the "
                                                                    "neuron selects no pattern)"})
        data["purity"] = (("neuron",), purity, {"long_name": "fraction of A_i in the preferred class", "units": "1"})
        data["classes_covered"] = ((), np.int64(np.unique(pref[pref >= 0]).size),
                                   {"long_name": "classes preferred by at least one neuron",
                                    "n_classes": int(classes.size)})
    coords = {"neuron": ("neuron", np.arange(K), {"long_name": "neuron index"}),
              "sample": ("sample", np.arange(n), {"long_name": "pattern index"})}
    params = {"n_samples": n, "n_neurons": K, "labels": labels is not None,
              "model": type(model).__name__ if model is not None else "responses"}
    if model is not None:
        params["model_params"] = {k: (str(v) if k == "seed" and v is not None else v)
                                  for k, v in model.get_params().items()}
    attrs = provenance("Selectivity and overlap of a plastic layer", "docs/science/plasticity.md P10-P11", params)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def receptive_fields(model, shape):
    """The weights of each neuron reshaped to an image (P1: row i of W is neuron i's receptive field).

    Parameters
    ----------
    model : BCM or KrotovHopfield
        A fitted layer.
    shape : (rows, cols)
        Image shape with rows * cols = number of features (e.g. (28, 28) for MNIST, (8, 8) for digits).

    Returns
    -------
    xarray.DataArray
        (neuron, row, col); :func:`snt.plot.receptive_fields` draws them as a grid.
    """
    if not isinstance(model, PlasticLayer) or not hasattr(model, "weights_"):
        raise TypeError("model must be a fitted snt.plasticity layer (BCM, KrotovHopfield)")
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be (rows, cols), got {shape!r}")
    r = check_int(shape[0], "shape[0]", minimum=1)
    c = check_int(shape[1], "shape[1]", minimum=1)
    K, D = model.weights_.shape
    if r * c != D:
        raise ValueError(f"shape = {tuple(shape)} holds {r * c} pixels but the layer has {D} features")
    W = np.asarray(model.weights_, dtype=np.float64).reshape(K, r, c)
    return xr.DataArray(W, dims=("neuron", "row", "col"), name="receptive_field",
                        coords={"neuron": np.arange(K), "row": np.arange(r), "col": np.arange(c)},
                        attrs={"long_name": "synaptic weight W_ij", "units": "1",
                               "model": type(model).__name__})


def scan(model, parameter, values, X, *, labels=None, progress=False):
    r"""Train a clone of ``model`` for each value of one parameter and measure it (e.g. selectivity vs the
    memory factor, overlap vs the lateral strength; P12).

    Parameters
    ----------
    model : BCM or KrotovHopfield
        The template (not modified); every run uses its seed.
    parameter : str
        A constructor parameter, e.g. ``"memory"`` or ``"lateral"``.
    values : sequence
        Values of the parameter.
    X : (n_samples, n_features) array_like
        Training and evaluation patterns.
    labels : array_like, optional
        Passed to :func:`selectivity`.
    progress : bool

    Returns
    -------
    xarray.Dataset
        The :func:`selectivity` variables (without ``selected``) along a dimension named ``parameter``, plus
        ``final_theta_change``.
    """
    from sklearn.base import clone
    if not isinstance(model, PlasticLayer):
        raise TypeError(f"model must be an snt.plasticity layer, got {type(model).__name__}")
    if parameter not in model.get_params():
        raise ValueError(f"parameter must be one of {sorted(model.get_params())}, got {parameter!r}")
    values = list(values)
    if not values:
        raise ValueError("values must not be empty")
    it = values
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(values, desc=f"scan {parameter}")
    out = []
    for v in it:
        m = clone(model).set_params(**{parameter: v}).fit(X)
        ds = selectivity(m, X, labels=labels).drop_vars("selected")
        ds["final_theta_change"] = ((), float(m.history_.theta_change[-1]),
                                    {"long_name": "relative change of theta in the last epoch", "units": "1"})
        out.append(ds)
    res = xr.concat(out, dim=parameter, combine_attrs="drop_conflicts")
    res = res.assign_coords({parameter: (parameter, np.asarray(values), {"long_name": parameter})})
    res.attrs["title"] = f"Selectivity and overlap against {parameter}"
    return res
