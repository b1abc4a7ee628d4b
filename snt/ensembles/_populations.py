r"""Block couplings of P populations (:func:`populations`) and their bulk radius (E4); the ensemble object,
:class:`snt.meanfield.Populations`, lives with its mean-field theory."""

import numpy as np

from .._checks import check_array, check_float, check_int
from ._base import check_fits, generator

__all__ = ["populations", "population_radius", "check_sizes", "block_matrix"]


def populations(sizes, J, Jbar=0.0, seed=None):
    r"""Block couplings for P populations: :math:`J_{ij} \sim \mathcal N(\bar J_{ab}/N, J_{ab}^2/N)`
    for i in population a and j in population b (N the total size).

    Parameters
    ----------
    sizes : sequence of P ints
        Population sizes :math:`N_a` (neurons are ordered population by population).
    J, Jbar : float or (P, P) array_like
        Standard-deviation and mean scales per block.

    Returns
    -------
    (N, N) float64 array, N = sum(sizes)

    Notes
    -----
    Both scales are divided by the total N, so that population b contributes :math:`\alpha_b \bar J_{ab}`
    to the mean input and :math:`\alpha_b J_{ab}^2` to its variance (:math:`\alpha_b = N_b/N`): the
    convention of the multi-population mean-field theory (Kadmon & Sompolinsky 2015), under which the bulk
    radius is :math:`\sqrt{\rho(M)}`, :math:`M_{ab} = \alpha_b J_{ab}^2` (E4); see :func:`population_radius`.
    With one population this is :func:`iid`.
    """
    sizes = check_sizes(sizes)
    P = len(sizes)
    Jm = block_matrix(J, P, "J")
    if np.any(Jm < 0):
        raise ValueError(f"J must be >= 0 in every block, got {Jm.tolist()}")
    Jbarm = block_matrix(Jbar, P, "Jbar")
    N = sum(sizes)
    edges = np.concatenate([[0], np.cumsum(sizes)])
    rng = generator(seed)
    check_fits(N)
    out = rng.standard_normal((N, N))
    for a in range(P):
        for b in range(P):
            rows = slice(edges[a], edges[a + 1])
            cols = slice(edges[b], edges[b + 1])
            out[rows, cols] *= Jm[a, b] / np.sqrt(N)
            out[rows, cols] += Jbarm[a, b] / N
    return out


def check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not np.iterable(sizes):
        raise TypeError(f"sizes must be a sequence of population sizes (ints), got {sizes!r}")
    sizes = [check_int(s, f"sizes[{k}]", minimum=1) for k, s in enumerate(sizes)]
    if not sizes:
        raise ValueError("sizes must list at least one population")
    return sizes


def block_matrix(value, P, name):
    if np.ndim(value) == 0:
        return np.full((P, P), check_float(value, name))
    if np.iscomplexobj(value):
        raise TypeError(f"{name} must hold real numbers, got complex values")
    return check_array(value, name, shape=(P, P))


def population_radius(sizes, J):
    r"""Predicted bulk radius for :func:`populations`: :math:`\sqrt{\rho(\alpha_b J_{ab}^2)}` (E4)."""
    sizes = np.asarray(check_sizes(sizes), dtype=np.float64)
    P = sizes.size
    Jm = block_matrix(J, P, "J")
    alpha = sizes / sizes.sum()
    M = Jm**2 * alpha[None, :]
    return float(np.sqrt(np.max(np.abs(np.linalg.eigvals(M)))))
