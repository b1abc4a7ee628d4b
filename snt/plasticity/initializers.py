r"""Initial weights W (n_neurons, n_features) of the plastic layers (docs/science/plasticity.md (P7)).

The fans are the conventional ones: fan-in = number of features D, fan-out = number of neurons K (the
authors' package takes the number of neurons as the fan of the one-sided rules, which gives He init a
scale set by K instead of D; the two agree for the symmetric Glorot rules).
"""

import numpy as np

__all__ = ["INITIALIZERS", "initial_weights"]


def _normal(rng, K, D):
    return rng.standard_normal((K, D))


def _glorot_normal(rng, K, D):
    return rng.standard_normal((K, D)) * np.sqrt(2.0 / (K + D))


def _glorot_uniform(rng, K, D):
    a = np.sqrt(6.0 / (K + D))
    return rng.uniform(-a, a, (K, D))


def _he_normal(rng, K, D):
    return rng.standard_normal((K, D)) * np.sqrt(2.0 / D)


def _he_uniform(rng, K, D):
    a = np.sqrt(6.0 / D)
    return rng.uniform(-a, a, (K, D))


def _orthogonal(rng, K, D):
    """Orthonormal rows when K <= D (orthonormal columns otherwise), from the QR of a Gaussian matrix with
    the signs of R's diagonal folded in (Haar measure)."""
    A = rng.standard_normal((max(K, D), min(K, D)))
    Q, R = np.linalg.qr(A)
    Q *= np.sign(np.diag(R))
    return Q.T if K <= D else Q


#: name -> function(rng, K, D) returning a float64 (K, D) array.
INITIALIZERS = {"normal": _normal, "glorot-normal": _glorot_normal, "glorot-uniform": _glorot_uniform,
                "he-normal": _he_normal, "he-uniform": _he_uniform, "orthogonal": _orthogonal}


def initial_weights(name, rng, K, D, dtype=np.float64):
    """Draw the (K, D) initial weights of rule ``name`` from the Generator ``rng``."""
    return np.ascontiguousarray(INITIALIZERS[name](rng, K, D), dtype=dtype)
