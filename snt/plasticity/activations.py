r"""Output nonlinearities of the plastic layers: y = σ(c) applied elementwise (docs/science/plasticity.md (P1)).

Each is applied in place to a float array (the layers own their buffers), so a training step allocates no
temporary of the size of the batch output.
"""

import numpy as np
import scipy.special

__all__ = ["ACTIVATIONS", "activate"]


def _logistic(c):
    return scipy.special.expit(c, out=c)


def _relu(c):
    return np.maximum(c, 0.0, out=c)


def _linear(c):
    return c


def _tanh(c):
    return np.tanh(c, out=c)


#: name -> in-place function. "logistic" is 1 / (1 + e^{-c}), the classical BCM choice.
ACTIVATIONS = {"logistic": _logistic, "relu": _relu, "linear": _linear, "tanh": _tanh}


def activate(name, c):
    """Apply the activation ``name`` to the array ``c`` in place and return it."""
    return ACTIVATIONS[name](c)
