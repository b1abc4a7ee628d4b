"""What the response modules share: the lag convention note, the references, argument checks."""

import numbers

import numpy as np

from .._checks import check_array

REFS = ("Cessac, Sepulchre, Phys. Rev. E 70, 056111 (2004), doi:10.1103/PhysRevE.70.056111; Cessac, Sepulchre, "
        "Chaos 16, 013104 (2006), doi:10.1063/1.2126813; Cessac, Sepulchre, Physica D 225, 13 (2007), "
        "doi:10.1016/j.physd.2006.09.034; Novikov, Sov. Phys. JETP 20, 1290 (1965)")

LAG_NOTE = ("lag tau >= 0 counts steps from the kick du(t0) of the state (an input added in the step t0-1 -> t0) "
            "to u(t0+tau); R(0) = I, R(tau) = E[DF(u(t0+tau-1)) ... DF(u(t0))] (SCIENCE.md E12)")


def check_sources(sources, N):
    """Distinct neuron indices 0 <= j < N (an int or a sequence) as an int64 array."""
    if isinstance(sources, numbers.Integral) and not isinstance(sources, bool):
        sources = [sources]
    out = []
    for s in sources:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"sources must be neuron indices (ints), got {s!r}")
        if not 0 <= s < N:
            raise ValueError(f"sources: neuron index {int(s)} out of range; allowed 0 <= source <= {N - 1} (N = {N})")
        out.append(int(s))
    if len(set(out)) != len(out):
        raise ValueError(f"sources must be distinct, got {out}")
    return np.array(out, dtype=np.int64)


def check_omegas(omegas, name="omegas"):
    """A non-empty 1-D array of angular frequencies in [0, pi] rad/step."""
    w = check_array(omegas, name)
    if w.ndim != 1 or w.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-D array of angular frequencies, got shape {w.shape}")
    if np.any(w < 0) or np.any(w > np.pi):
        raise ValueError(f"{name} must lie in [0, pi] rad/step (the Nyquist range of a map), got "
                         f"[{w.min()}, {w.max()}]")
    return w
