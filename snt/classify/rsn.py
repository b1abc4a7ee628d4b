r"""Recurrent Spectral Network (RSN) and its complex variant (ℂ-RSN): discrete maps whose linear part has
unit-modulus eigenvalues on planted memory directions.

**Reconstruction.** Only the abstracts of arXiv:2202.04497 (RSN) and arXiv:2312.07296 (ℂ-RSN) were available;
the maps below are this package's reconstruction from them (docs/science/spectral.md (S13)–(S16)), not the
papers' equations. What the abstracts state: a discrete map whose linear operator is written in spectral form
:math:`A = \Phi\Lambda\Phi^{-1}`; nonlinear terms act for a transient; the item is the initial condition; the
attractors are built into the spectrum and the loss uses spectral projections; ℂ-RSN has complex fixed
eigenvalues, a localised nonlinearity, separate memory and input-processing nodes, an oscillating final state,
and sequentially inserted items leave an imprint of their order and timing. Everything else (the nonlinearity,
its placement, the readout, the loss) is a choice made here.

The map. The :math:`N` nodes are :math:`N - M` input nodes (the item, zero-padded) followed by :math:`M`
memory nodes (initially 0). For the first ``steps`` steps (the nonlinear phase, :math:`t < t_\mathrm{NL}`)

.. math:: x_{t+1} = A\,\rho(x_t), \qquad \rho(x)_i = \tanh x_i \ (i \text{ input}), \quad x_i \ (i \text{ memory}),

and afterwards :math:`x_{t+1} = A x_t`. The memory columns of :math:`\Phi` are the unit vectors of the memory
nodes with the fixed block :math:`R` (RSN: :math:`R = I_K`, eigenvalue 1; ℂ-RSN: :math:`R` = rotations by
:math:`\omega_k`, eigenvalues :math:`e^{\pm i\omega_k}`), the other :math:`N - M` eigenvectors and
eigenvalues are trained with :math:`|\lambda| \le 1 - \delta`. Then :math:`A` never feeds the memory back
into the input nodes (:math:`A_{\mathrm{in},\mathrm{mem}} = 0`, :math:`A_{\mathrm{mem},\mathrm{mem}} = R`).

Closed form of the linear phase. With :math:`\Psi = \Phi^{-1}` and :math:`\Psi_\mathrm{mem}` its memory rows,
:math:`z_t = \Psi_\mathrm{mem}x_t` obeys :math:`z_{t+1} = R z_t` exactly, and

.. math:: x_{t_\mathrm{NL}+s} = E_\mathrm{mem} R^s z + \Phi_\mathrm{tr}\Lambda_\mathrm{tr}^s\Psi_\mathrm{tr}x_{t_\mathrm{NL}},
          \qquad z = \Psi_\mathrm{mem}x_{t_\mathrm{NL}},

so the state converges to the memory orbit at the rate :math:`\max|\lambda_\mathrm{tr}|`; for RSN the limit
is the projection :math:`E_\mathrm{mem}z` on the memory directions.

Readout and loss. RSN: the output is :math:`z \in \mathbb R^K`, the asymptotic memory state, compared with the
one-hot target :math:`e_y` (mean squared error or the soft nearest-target cross-entropy of
:meth:`PlantedModel.output_loss`). ℂ-RSN: mode :math:`k` oscillates with the constant amplitude
:math:`a_k = z_{2k}^2 + z_{2k+1}^2` and the output is :math:`a \in \mathbb R^K`, compared with :math:`e_y`. The
loss therefore depends on :math:`A` through :math:`\Psi_\mathrm{mem}`, i.e. through the spectral projector
:math:`P = E_\mathrm{mem}\Psi_\mathrm{mem}` of the memory eigenvalues; its gradient (docs/science/spectral.md
(S15)) follows from the Sylvester equations of the perturbed invariant subspace and is added to the
gradient of the nonlinear phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import xarray as xr

from .._checks import check_int
from .base import PlantedModel, Trajectory
from .spectral import SpectralCoupling

__all__ = ["RSN", "ComplexRSN", "BlockCoupling", "sequential_insertion"]


@dataclass(frozen=True)
class BlockCoupling(SpectralCoupling):
    r""":math:`A = \Phi\,\mathrm{blockdiag}(\Lambda_\mathrm{tr}, R)\,\Phi^{-1}` with a fixed real block
    :math:`R` acting on :math:`\Phi_\mathrm{fix}` (rotations for complex eigenvalue pairs).

    The reverse map of :class:`SpectralCoupling` holds unchanged (the trained block of :math:`\Lambda` is
    still diagonal). ``lam`` holds :math:`\lambda_\mathrm{tr}` then ``lam_fix``; the complex spectrum is
    ``eigenvalues``.
    """

    block: np.ndarray | None = None

    def __post_init__(self):
        super().__post_init__()
        k = self.phi_fix.shape[1]
        if self.block is None or np.shape(self.block) != (k, k):
            raise ValueError(f"block must be a ({k}, {k}) matrix, got {None if self.block is None else np.shape(self.block)}")
        d = self.phi.dtype
        right = np.concatenate([self.phi_tr * self.lam_tr, self.phi_fix @ self.block], axis=1).astype(d)
        a = scipy.linalg.lu_solve(self._lu, right.T, trans=1).T
        object.__setattr__(self, "A", a)
        object.__setattr__(self, "eigenvalues",
                           np.concatenate([self.lam_tr.astype(complex), np.linalg.eigvals(self.block)]))


class RSN(PlantedModel):
    """Recurrent Spectral Network, reconstructed (see the module docstring).

    Parameters
    ----------
    n_nodes : int
        Input nodes plus the ``n_classes`` memory nodes (the last ones).
    n_classes : int
    dtype : {numpy.float64, numpy.float32}
    """

    name = "rsn"
    discrete = True
    trains_gamma = False
    gamma_init = 0.0
    default_dt = 1.0
    default_steps = 5
    orth_gain = 1.15
    orth_factor = 0.01
    margin = 1e-2
    #: memory nodes per class
    memory_per_class = 1

    @classmethod
    def default_nodes(cls, n_features, n_classes):
        return n_features + cls.memory_per_class * n_classes

    def __init__(self, n_nodes, n_classes, dtype=np.float64):
        k = check_int(n_classes, "n_classes", minimum=2)
        self.n_labels = k
        self.n_memory = self.memory_per_class * k
        n = check_int(n_nodes, "n_nodes", minimum=3)
        if n <= self.n_memory + 1:
            raise ValueError(f"n_nodes must exceed the {self.n_memory} memory nodes by at least 2, got {n}")
        # the base class counts the planted directions (the memory nodes) as its "classes"
        super().__init__(n, self.n_memory, dtype)
        self.n_input = n - self.n_memory
        self.phi_fix = np.eye(n)[:, self.n_input:]

    # ------------------------------------------------------------------ planted part
    def memory_block(self):
        """(M, M) action of A on the memory nodes."""
        return np.eye(self.n_memory)

    def _patterns(self):
        p = np.zeros((self.n_labels, self.n_nodes))
        for k in range(self.n_labels):
            p[k, self.n_nodes - self.n_memory + self.memory_per_class * k] = 1.0
        return p

    def _fixed_span(self):
        return np.eye(self.n_nodes)[self.n_nodes - self.n_memory:]

    def targets(self):
        return np.eye(self.n_labels)

    def lam_fix(self, gamma):
        return 1.0

    def lam_bounds(self):
        return (-1.0 + self.margin, 1.0 - self.margin)

    def lam_init(self, rng, m):
        return rng.uniform(-0.5, 0.5, m)

    def coupling(self, params, dtype=np.float64):
        return SpectralCoupling(params.phi_tr, params.lam_tr, self.phi_fix, 1.0, dtype=dtype)

    # ------------------------------------------------------------------ dynamics
    def _rho(self, x):
        f = x.copy()
        np.tanh(x[:, :self.n_input], out=f[:, :self.n_input])
        return f

    def forward(self, A, gamma, s0, steps, dt=None, noise=None, keep=True, work=None):
        """The nonlinear phase, ``steps`` steps of :math:`x \\to A\\rho(x)`."""
        At = np.ascontiguousarray(A.T)
        x = np.asarray(s0, dtype=self.dtype)
        traj = Trajectory([x])
        for _ in range(steps):
            f = self._rho(x)
            x = f @ At
            if keep:
                traj.append(x)
                traj.aux.append(f)
        if not keep:
            traj.append(x)
        return traj

    def backward(self, A, gamma, traj, p_T, dt=None, noise=None, work=None):
        G = np.zeros(A.shape, dtype=self.dtype)
        p = p_T
        ni = self.n_input
        for t in range(len(traj) - 2, -1, -1):
            f = traj.aux[t]
            G += p.T @ f
            p = p @ A
            p[:, :ni] *= 1.0 - f[:, :ni] * f[:, :ni]
        return G, 0.0, p

    def relax(self, A, x, steps):
        """(steps + 1, B, N) states of the linear phase :math:`x_{s+1} = A x_s` from ``x``."""
        out = [np.asarray(x, dtype=np.float64)]
        for _ in range(steps):
            out.append(out[-1] @ A.T)
        return np.stack(out)

    def drift(self, s, A, gamma):
        """:math:`A s - E_\\mathrm{mem} R\\,s_\\mathrm{mem}`: zero on the memory subspace (it moves by R only)."""
        r = A @ s
        r[self.n_input:] -= self.memory_block() @ s[self.n_input:]
        return r

    def jacobian(self, s, A, gamma):
        d = np.ones(self.n_nodes)
        d[:self.n_input] = 1.0 - np.tanh(s[:self.n_input]) ** 2
        return A * d[None, :]

    def growth_rates(self, params, coupling=None):
        r"""Per class: :math:`\log\max|\lambda_\mathrm{tr}|`, the rate at which the linear phase reaches the
        memory subspace (negative = converges; the memory eigenvalues are neutral by construction)."""
        rate = np.log(np.abs(params.lam_tr).max())
        return np.full(self.n_labels, rate)

    # ------------------------------------------------------------------ readout through the projector
    def memory_coordinates(self, coupling, x):
        r""":math:`z = \Psi_\mathrm{mem}x` of states ``x`` (rows), and :math:`\Psi_\mathrm{mem}`."""
        psi = np.linalg.inv(coupling.phi.astype(np.float64))[self.n_input:]
        return np.asarray(x, dtype=np.float64) @ psi.T, psi

    def readout(self, z):
        """Output compared with the one-hot targets: z itself (RSN)."""
        return z

    def readout_adjoint(self, z, p_out):
        return p_out

    def output(self, s):
        """Output of the memory *nodes* of a state (the readout of the asymptotic state when converged)."""
        return self.readout(np.asarray(s)[:, self.n_input:])

    def _projector_grad(self, coupling, Q):
        r""":math:`\partial L/\partial A` from :math:`Q = \partial L/\partial\Psi_\mathrm{mem}` (docs/science/spectral.md (S15))."""
        phi = coupling.phi.astype(np.float64)
        psi = np.linalg.inv(phi)
        ni, n = self.n_input, self.n_nodes
        G_P = np.zeros((n, n))
        G_P[ni:] = Q                                   # P = E_mem Psi_mem, Psi_mem = E_mem^T P
        Gt = phi.T @ G_P @ psi.T
        lam = np.asarray(coupling.lam_tr, dtype=np.float64)
        R = self.memory_block()
        eye = np.eye(self.n_memory)
        M = np.linalg.inv(lam[:, None, None] * eye - R[None])          # (m, M, M): (lam_i I - R)^-1
        Nn = np.linalg.inv(R[None] - lam[:, None, None] * eye)         # (m, M, M): (R - lam_j I)^-1
        G_t = np.zeros((n, n))
        G_t[:ni, ni:] = -np.einsum("ik,ilk->il", Gt[:ni, ni:], M)
        G_t[ni:, :ni] = np.einsum("kj,jkl->lj", Gt[ni:, :ni], Nn)
        return psi.T @ G_t @ phi.T

    def loss_grad(self, params, X, Y, steps, dt, coupling=None, noise=None, scale=None, work=None):
        """Loss of the asymptotic readout and its exact gradient with respect to A (nonlinear phase plus the
        dependence of the projector on A)."""
        c = self.coupling(params) if coupling is None else coupling
        A = c.A.astype(self.dtype, copy=False)
        traj = self.forward(A, 0.0, self.initial_state(X), steps, dt)
        xT = np.asarray(traj[-1], dtype=np.float64)
        z, psi = self.memory_coordinates(c, xT)
        if scale is None:
            scale = self.loss_scale(len(X))
        loss, p_out = self.output_loss(self.readout(z), np.asarray(Y), scale)
        p_z = self.readout_adjoint(z, np.asarray(p_out, dtype=np.float64))
        G, _, _ = self.backward(A, 0.0, traj, (p_z @ psi).astype(self.dtype), dt)
        G = G.astype(np.float64) + self._projector_grad(c, p_z.T @ xT)
        return loss, G, 0.0

    def predict_outputs(self, params, X, steps, dt, coupling=None, noise=None):
        c = self.coupling(params) if coupling is None else coupling
        traj = self.forward(c.A.astype(self.dtype), 0.0, self.initial_state(X), steps, dt, keep=False)
        return self.readout(self.memory_coordinates(c, traj[-1])[0])

    def residuals(self, params):
        r"""Per class: max-norm of :math:`A\Phi_\mathrm{fix} - \Phi_\mathrm{fix}R` on its memory columns
        (0 up to rounding: the memory directions are planted exactly)."""
        c = self.coupling(params)
        res = np.abs(c.A @ self.phi_fix - self.phi_fix @ self.memory_block())
        w = self.memory_per_class
        return np.array([res[:, w * k:w * (k + 1)].max() for k in range(self.n_labels)])


class ComplexRSN(RSN):
    r"""ℂ-RSN, reconstructed: two memory nodes per class rotating by :math:`\omega_k` (eigenvalues
    :math:`e^{\pm i\omega_k}`); the output is the squared amplitude of every mode (see the module docstring).

    Parameters
    ----------
    n_nodes : int
        Input nodes plus the ``2 n_classes`` memory nodes.
    n_classes : int
    dtype : {numpy.float64, numpy.float32}
    frequencies : sequence of float, optional
        :math:`\omega_k` in :math:`(0, \pi)` (default :math:`\pi(k+1)/(K+1)`).
    """

    name = "c-rsn"
    memory_per_class = 2

    def __init__(self, n_nodes, n_classes, dtype=np.float64, frequencies=None):
        k = check_int(n_classes, "n_classes", minimum=2)
        w = np.pi * np.arange(1, k + 1) / (k + 1) if frequencies is None else np.asarray(frequencies, float)
        if w.shape != (k,) or np.any((w <= 0) | (w >= np.pi)):
            raise ValueError(f"frequencies must be {k} values in (0, pi), got {frequencies!r}")
        self.frequencies = w
        super().__init__(n_nodes, n_classes, dtype)

    def memory_block(self):
        R = np.zeros((self.n_memory, self.n_memory))
        for k, w in enumerate(self.frequencies):
            c, s = np.cos(w), np.sin(w)
            R[2 * k:2 * k + 2, 2 * k:2 * k + 2] = [[c, -s], [s, c]]
        return R

    def coupling(self, params, dtype=np.float64):
        return BlockCoupling(params.phi_tr, params.lam_tr, self.phi_fix, 1.0, dtype=dtype, block=self.memory_block())

    def readout(self, z):
        return z[:, 0::2] ** 2 + z[:, 1::2] ** 2

    def readout_adjoint(self, z, p_out):
        g = np.empty_like(z)
        g[:, 0::2] = 2.0 * z[:, 0::2] * p_out
        g[:, 1::2] = 2.0 * z[:, 1::2] * p_out
        return g

    def complex_amplitudes(self, z):
        r"""(B, K) complex :math:`c_k = z_{2k} + i z_{2k+1}`: after :math:`s` linear steps :math:`c_k e^{i\omega_k s}`."""
        return z[:, 0::2] + 1j * z[:, 1::2]


def sequential_insertion(clf, items, times, steps):
    r"""Insert items one after another into a fitted ℂ-RSN (or RSN) classifier and follow the memory modes.

    At time ``times[j]`` the input nodes are set to item ``j`` (the memory nodes keep their state); each
    insertion is followed by the nonlinear phase (``clf.steps_`` steps), then the map is linear until the next
    insertion. Memory does not feed the input nodes back, so every item drives the memory through the same
    input transient as when it is presented alone, and in mode :math:`k` its contribution is that of
    an insertion at 0 rotated by :math:`e^{-i\omega_k\tau_j}`: two items inserted :math:`\Delta t` apart carry
    the phase difference :math:`\omega_k\Delta t` (docs/science/spectral.md (S16)). The identity is exact up
    to what the earlier item's input nodes have not yet passed to the memory when they are overwritten, a
    fraction of order :math:`\max|\lambda_\mathrm{tr}|^{\Delta t - t_\mathrm{NL}}`.

    Parameters
    ----------
    clf : fitted AttractorClassifier with ``model="c-rsn"`` (or ``"rsn"``)
    items : (J, n_features) array
    times : (J,) increasing non-negative ints, ``times[j+1] - times[j] >= clf.steps_``
    steps : int
        Total number of steps simulated.

    Returns
    -------
    xarray.Dataset
        ``memory`` (time, memory_node): the memory nodes; ``z`` (time, memory_node): the spectral memory
        coordinates :math:`\Psi_\mathrm{mem}x_t`; and, for ℂ-RSN, ``amplitude`` and ``phase`` (time, mode).
    """
    m = clf.model_
    if not isinstance(m, RSN):
        raise TypeError(f"sequential_insertion needs an RSN or c-rsn classifier, got model={m.name!r}")
    times = np.asarray(times, dtype=np.int64)
    if times.ndim != 1 or len(times) != len(items) or np.any(times < 0) or np.any(np.diff(times) < clf.steps_):
        raise ValueError(f"times must be {len(items)} increasing non-negative steps at least steps_={clf.steps_} "
                         f"apart, got {times.tolist()}")
    steps = check_int(steps, "steps", minimum=int(times[-1]) + clf.steps_)
    c = m.coupling(clf.params_)
    A = c.A.astype(np.float64)
    X = clf._pad(np.atleast_2d(items))
    x = np.zeros((1, m.n_nodes))
    states = [x[0].copy()]
    nl_left = 0
    for t in range(steps):
        hit = np.nonzero(times == t)[0]
        if hit.size:
            x[0, :m.n_input] = X[hit[0], :m.n_input]
            nl_left = clf.steps_
        x = (m._rho(x) if nl_left > 0 else x) @ A.T
        nl_left = max(nl_left - 1, 0)
        states.append(x[0].copy())
    S = np.array(states)
    z, _ = m.memory_coordinates(c, S)
    data = {"memory": (("time", "memory_node"), S[:, m.n_input:], {"long_name": "memory node state", "units": "1"}),
            "z": (("time", "memory_node"), z, {"long_name": "spectral memory coordinate", "units": "1"})}
    if isinstance(m, ComplexRSN):
        ca = m.complex_amplitudes(z)
        data["amplitude"] = (("time", "mode"), np.abs(ca), {"long_name": "mode amplitude |c_k|", "units": "1"})
        data["phase"] = (("time", "mode"), np.angle(ca), {"long_name": "mode phase arg c_k", "units": "rad"})
    return xr.Dataset(data, coords={"time": ("time", np.arange(steps + 1), {"long_name": "time", "units": "step"}),
                                    "insertion": ("insertion", times, {"long_name": "insertion time",
                                                                       "units": "step"})},
                      attrs={"title": "sequential insertion", "model": m.name,
                             "method": "docs/science/spectral.md (S16)"})
