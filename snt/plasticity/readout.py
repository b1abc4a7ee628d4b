r"""Classification with the learned representations: a clean feature classifier, and the authors' label-input
protocol with and without its label leak (docs/science/plasticity.md (P13)).

* Clean: the layer is trained on the training images only (unsupervised), its responses feed a
  standardisation and a multinomial logistic regression fitted on the training labels; the test accuracy
  uses the test images only.
* Label-input protocol: the one-hot label is appended to each training image as C extra inputs; the layer
  learns on the D + C inputs. A test image is classified by the label-weights :math:`W_{i, D:}` of the
  neuron with the largest linear response (``top1``) or by the majority vote of the ``top`` most responding
  neurons. The authors' notebooks feed the **true test label** as the C extra inputs at test time, which
  leaks the answer into the response; the clean variant feeds zeros.
"""

import numpy as np
import xarray as xr
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .._checks import check_int
from ..io import provenance
from .layer import PlasticLayer

__all__ = ["feature_classifier", "label_protocol"]


def _check_model(model):
    if not isinstance(model, PlasticLayer):
        raise TypeError(f"model must be an snt.plasticity layer (BCM, KrotovHopfield), got {type(model).__name__}")


def _labels(y, n, name):
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must be integer class labels of shape ({n},), got {y.dtype} {y.shape}")
    return y


def feature_classifier(model, X_train, y_train, X_test, y_test, *, C=1.0, max_iter=1000):
    """Clean test accuracy of a logistic regression on the responses of ``model`` trained without labels.

    Returns
    -------
    (float, sklearn.pipeline.Pipeline)
        Test accuracy and the fitted Pipeline(layer, StandardScaler, LogisticRegression).
    """
    _check_model(model)
    y_train = _labels(y_train, len(X_train), "y_train")
    y_test = _labels(y_test, len(X_test), "y_test")
    pipe = make_pipeline(clone(model), StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
    pipe.fit(X_train, y_train)
    return float(pipe.score(X_test, y_test)), pipe


def _votes(top_neurons, label_of_neuron, n_classes):
    votes = label_of_neuron[top_neurons]                                   # (n, top)
    counts = np.zeros((votes.shape[0], n_classes), dtype=np.int64)
    np.add.at(counts, (np.arange(votes.shape[0])[:, None], votes), 1)
    return np.argmax(counts, axis=1)                                       # ties -> smallest class


def label_protocol(model, X_train, y_train, X_test, y_test, *, top=10):
    """The authors' label-input classifier, with the true test labels fed as inputs (their notebooks) and with
    zeros (no leak).

    Parameters
    ----------
    model : BCM or KrotovHopfield
        Template; a clone is trained on the training images with the one-hot labels appended.
    X_train, y_train, X_test, y_test : arrays
        Images (samples, features) and integer labels 0..C-1.
    top : int
        Neurons of the majority vote.

    Returns
    -------
    xarray.Dataset
        ``accuracy`` (test_input, readout) with test_input in {"true label (leak)", "zeros (clean)"} and
        readout in {"top1", "top<top>"}; the trained layer's parameters in the attrs.
    """
    _check_model(model)
    y_train = _labels(y_train, len(X_train), "y_train")
    y_test = _labels(y_test, len(X_test), "y_test")
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    top = check_int(top, "top", minimum=1, maximum=model.n_neurons)
    eye = np.eye(n_classes)
    layer = clone(model).fit(np.hstack([np.asarray(X_train, dtype=np.float64), eye[y_train]]))
    D = np.asarray(X_test).shape[1]
    label_of_neuron = np.argmax(layer.weights_[:, D:], axis=1)
    acc = np.empty((2, 2))
    for row, extra in enumerate((eye[y_test], np.zeros((len(y_test), n_classes)))):
        Z = layer._check_X(np.hstack([np.asarray(X_test, dtype=np.float64), extra]))
        resp = layer._linear(Z)
        first = label_of_neuron[np.argmax(resp, axis=1)]
        order = np.argsort(resp, axis=1)[:, ::-1][:, :top]
        acc[row] = [(first == y_test).mean(), (_votes(order, label_of_neuron, n_classes) == y_test).mean()]
    params = {k: (str(v) if k == "seed" and v is not None else v) for k, v in model.get_params().items()}
    params.update(model=type(model).__name__, top=top, n_train=len(y_train), n_test=len(y_test))
    attrs = provenance("Label-input protocol: accuracy with and without the label leak",
                       "docs/science/plasticity.md P13", params)
    return xr.Dataset({"accuracy": (("test_input", "readout"), acc, {"long_name": "test accuracy", "units": "1"})},
                      coords={"test_input": ["true label (leak)", "zeros (clean)"],
                              "readout": ["top1", f"top{top}"]}, attrs=attrs)
