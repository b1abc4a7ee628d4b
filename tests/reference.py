"""Plain-numpy references for the kernels: slow, obvious loops that the numba code must match."""

import numpy as np
from scipy.special import erf
from scipy.stats import norm


def f(x, g, transfer):
    """Transfer function of SCIENCE.md E1 (§1.2)."""
    if transfer == "tanh":
        return np.tanh(g * x)
    if transfer == "normcdf":
        return norm.cdf(g * x)
    if transfer == "logistic":
        return 0.5 * (1.0 + np.tanh(g * x))
    return erf(np.sqrt(np.pi) / 2 * g * x)


def fprime(x, g, transfer):
    """Its derivative, including g."""
    if transfer == "tanh":
        return g * (1.0 - np.tanh(g * x) ** 2)
    if transfer == "normcdf":
        return g * norm.pdf(g * x)
    if transfer == "logistic":
        return 0.5 * g * (1.0 - np.tanh(g * x) ** 2)
    return g * np.exp(-(np.sqrt(np.pi) / 2 * g * x) ** 2)


def trajectory(net, u0, steps, noise=None, stimulus=None):
    """States u(0..steps) of one trial, E1 iterated one step at a time (noise (steps, N) standard normal)."""
    u = np.array(u0, dtype=float)
    out = [u.copy()]
    for t in range(steps):
        u = step(net, u, None if noise is None else noise[t], None if stimulus is None else stimulus[t])
        out.append(u.copy())
    return np.array(out)


def philox4x32(counter, key, rounds=10):
    """Philox4x32 of the counters ``counter`` (..., 4) under the key (2,), as written in Salmon et al. (2011):
    the key is bumped by the Weyl constants before each round after the first. uint64 arrays of 32-bit words."""
    mask = np.uint64(0xFFFFFFFF)
    c = [np.asarray(counter, dtype=np.uint64)[..., i].copy() for i in range(4)]
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    for r in range(rounds):
        if r > 0:
            k0 = np.uint64((int(k0) + 0x9E3779B9) & 0xFFFFFFFF)
            k1 = np.uint64((int(k1) + 0xBB67AE85) & 0xFFFFFFFF)
        p0 = np.uint64(0xD2511F53) * c[0]
        p1 = np.uint64(0xCD9E8D57) * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & mask, (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & mask]
    return np.stack(c, axis=-1)


def counter_normals(key, times, N):
    """Noise stream 2 for one trial: (len(times), N) standard normal draws, Box--Muller with numpy's log, cos
    and sin on the two 52-bit uniforms of the Philox counter (pair p, t mod 2**32, t // 2**32, 0)."""
    P = (N + 1) // 2
    t = np.asarray(times, dtype=np.uint64)[:, None]
    p = np.arange(P, dtype=np.uint64)[None, :]
    ctr = np.stack(np.broadcast_arrays(p, t & np.uint64(0xFFFFFFFF), t >> np.uint64(32), np.uint64(0) * p), axis=-1)
    w = philox4x32(ctr, key)
    a = ((w[..., 0] << np.uint64(20)) | (w[..., 1] >> np.uint64(12))).astype(np.float64) / 2.0 ** 52
    b = ((w[..., 2] << np.uint64(20)) | (w[..., 3] >> np.uint64(12))).astype(np.float64) / 2.0 ** 52
    r = np.sqrt(-2.0 * np.log(1.0 - a))
    z = np.concatenate([r * np.cos(2 * np.pi * b), r * np.sin(2 * np.pi * b)], axis=1)
    return z[:, :N]


def trial_draws(seed_sequence, N, steps, sigma, stream=2, start=0):
    """The initial state and noise (steps ``start .. start + steps - 1``) that snt.simulate draws for one trial
    from its SeedSequence: the initial state from its PCG64 stream; the noise from the Philox counters keyed
    by two words of its child 2 (stream 2) or from the same PCG64 stream after the initial state (stream 1)."""
    rng = np.random.default_rng(seed_sequence)
    u0 = rng.standard_normal(N)
    if sigma <= 0:
        return u0, None
    if stream == 1:
        noise = rng.standard_normal((start + steps, N))[start:]
    else:
        kid = np.random.SeedSequence(seed_sequence.entropy, spawn_key=tuple(seed_sequence.spawn_key) + (2,),
                                     pool_size=seed_sequence.pool_size)
        noise = counter_normals(kid.generate_state(2, np.uint32).astype(np.uint64), np.arange(start, start + steps), N)
    return u0, noise


def step(net, u, noise_t=None, stim_t=None, extra=None):
    """One step of E1 for one state (the fused row update of snt._kernels.row_update)."""
    x = net.gamma * u + net.J @ f(u, net.g, net.transfer) - net.theta
    if noise_t is not None:
        x = x + net.sigma * noise_t
    if stim_t is not None:
        x = x + stim_t
    if extra is not None:
        x = x + extra
    return x


def jacobian_rider(net, states, patterns):
    """Tangent rider restarted at ``patterns`` (K, N): V(1) = E, V(tau+1) = DF(u(t0+tau)) V(tau), along
    ``states`` = u(t0+1), u(t0+2), ... (the states after each step of the window). Returns (H, K, N)."""
    V = np.array(patterns, dtype=float)
    out = [V.copy()]
    for u in states[:-1]:
        V = net.gamma * V + (net.J @ (fprime(u, net.g, net.transfer)[:, None] * V.T)).T
        out.append(V.copy())
    return np.array(out)


def kicked_replicas(net, u_before, noise, patterns, eps):
    """Replica rider, kicked: replica k starts at u(t0+1) + eps E_k and makes the full E1 step with the
    same noise as the reference. ``u_before`` = u(t0); ``noise`` (H, N). Returns (R - u) / eps, (H, K, N)."""
    u = step(net, u_before, None if noise is None else noise[0])
    R = u[None, :] + eps * np.asarray(patterns, dtype=float)
    out = [(R - u) / eps]
    for s in range(1, len(noise) if noise is not None else len(patterns)):
        nz = None if noise is None else noise[s]
        u = step(net, u, nz)
        R = np.array([step(net, r, nz) for r in R])
        out.append((R - u) / eps)
    return np.array(out)


def forced_replicas(net, u_start, noise, force, pattern):
    """Replica rider, forced: replica j makes the full E1 step with the reference's noise plus
    ``force[s, j] * pattern``; returns R - u after each step, (n, K, N)."""
    u = np.array(u_start, dtype=float)
    R = np.repeat(u[None, :], force.shape[1], axis=0)
    out = []
    for s in range(force.shape[0]):
        nz = None if noise is None else noise[s]
        u = step(net, u, nz)
        R = np.array([step(net, r, nz, extra=force[s, j] * pattern) for j, r in enumerate(R)])
        out.append(R - u)
    return np.array(out)
