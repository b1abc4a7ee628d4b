"""A network built to show stable resonances (E13): a chaotic bulk plus silent two-neuron oscillators."""

import numpy as np

from .._checks import check_float, check_int
from ..network import Network
from ._gaussian import iid

__all__ = ["resonant_network"]


def resonant_network(N=120, *, oscillators=20, omega0=2.0, radius=0.93, g=2.0, gamma=0.3, seed=None):
    r"""A network with stable resonances: a chaotic iid bulk plus ``oscillators`` two-neuron blocks whose
    Jacobian at rest has eigenvalues :math:`r e^{\pm i\omega_0}` and which receive no input.

    Each block :math:`J_b = \frac1g\begin{pmatrix} c & -s\\ s & c\end{pmatrix}`, :math:`c = r\cos\omega_0 -
    \gamma`, :math:`s = r\sin\omega_0`, so :math:`\gamma I + g J_b` (the block of DF at u = 0) has eigenvalues
    :math:`r e^{\pm i\omega_0}`. With σ = θ = 0 the blocks relax to 0 and stay silent: the chaotic
    activity never excites them and the power spectrum has no line at ω₀, while a pulse makes them ring,
    so :math:`|\chi_m|` peaks near ω₀ (the mechanism of Cessac & Sepulchre's stable resonances in its
    plainest form: a pole of the response along a stable direction the attractor does not visit).

    Parameters
    ----------
    N : int
        Total neurons, ``N > 2 * oscillators``.
    oscillators : int
        Number of two-neuron blocks, >= 1.
    omega0 : float
        Resonance angle in (0, π).
    radius : float
        Modulus r of the block eigenvalues, in (0, 1).
    g : float
        Gain, > 0 (bulk: iid J = 1, chaotic for g > 1 - gamma).
    gamma : float
        Leak, in [0, 1).
    seed : int, SeedSequence, Generator or None
        Seed of the bulk couplings.

    Returns
    -------
    Network
        Neurons ``0 .. N - 2*oscillators - 1`` are the bulk; the blocks follow.
    """
    oscillators = check_int(oscillators, "oscillators", minimum=1)
    N = check_int(N, "N", minimum=2 * oscillators + 2)
    omega0 = check_float(omega0, "omega0", minimum=0.0, maximum=np.pi, strict_min=True, strict_max=True)
    radius = check_float(radius, "radius", minimum=0.0, maximum=1.0, strict_min=True, strict_max=True)
    g = check_float(g, "g", minimum=0.0, strict_min=True)
    gamma = check_float(gamma, "gamma", minimum=0.0, maximum=1.0, strict_max=True)
    nb = N - 2 * oscillators
    J = np.zeros((N, N))
    J[:nb, :nb] = iid(nb, 1.0, 0.0, seed=seed)
    c, s = (radius * np.cos(omega0) - gamma) / g, radius * np.sin(omega0) / g
    for k in range(oscillators):
        i = nb + 2 * k
        J[i:i + 2, i:i + 2] = [[c, -s], [s, c]]
    origin = {"kind": "resonant_network", "bulk": nb, "oscillators": oscillators, "omega0": omega0,
              "radius": radius}
    return Network(J, g=g, gamma=gamma, origin=origin)
