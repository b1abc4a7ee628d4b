"""Plain-numpy references for the kernels: slow, obvious loops that the numba code must match."""

import numpy as np
from scipy.special import erf


def f(x, g, transfer):
    """Transfer function of SCIENCE.md E1."""
    if transfer == "tanh":
        return np.tanh(g * x)
    return erf(np.sqrt(np.pi) / 2 * g * x)


def fprime(x, g, transfer):
    """Its derivative, including g."""
    if transfer == "tanh":
        return g * (1.0 - np.tanh(g * x) ** 2)
    return g * np.exp(-(np.sqrt(np.pi) / 2 * g * x) ** 2)


def trajectory(net, u0, steps, noise=None, stimulus=None):
    """States u(0..steps) of one trial, E1 iterated one step at a time (noise (steps, N) standard normal)."""
    u = np.array(u0, dtype=float)
    out = [u.copy()]
    for t in range(steps):
        drive = np.zeros(net.N)
        if noise is not None:
            drive += net.sigma * noise[t]
        if stimulus is not None:
            drive += stimulus[t]
        u = net.gamma * u + net.J @ f(u, net.g, net.transfer) - net.theta + drive
        out.append(u.copy())
    return np.array(out)


def trial_draws(seed_sequence, N, steps, sigma):
    """The initial state and noise that snt.simulate draws for one trial from its SeedSequence."""
    rng = np.random.default_rng(seed_sequence)
    u0 = rng.standard_normal(N)
    noise = rng.standard_normal((steps, N)) if sigma > 0 else None
    return u0, noise
