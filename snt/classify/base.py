r"""Common machinery of the planted-attractor models.

Every model integrates an initial condition (the item) with explicit Euler (or iterates a map) for ``steps``
steps, compares the final state with the planted pattern of the item's class (mean squared error, as in the
papers' Keras ``mse``, or the cross-entropy of the nearest-attractor readout, :meth:`PlantedModel.output_loss`)
and back-propagates through the steps by the discrete adjoint

.. math::

    p_T = \partial L/\partial s_T, \qquad
    p_t = (\partial s_{t+1}/\partial s_t)^\top p_{t+1}, \qquad
    \frac{\partial L}{\partial \theta} = \sum_t (\partial s_{t+1}/\partial\theta)^\top p_{t+1}.

The coupling enters every step linearly, so :math:`G = \partial L/\partial A = \sum_t c\,\hat P_{t+1}^\top Y_t`
is one matrix product per step for the whole mini-batch (items are rows), mapped to the spectral parameters
once per mini-batch with :meth:`SpectralCoupling.backward`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_int
from .._memory import check_memory
from .noise import NoiseModel
from .spectral import SpectralCoupling, orthogonal_columns

__all__ = ["Params", "PlantedModel", "Trajectory", "Workspace", "block_patterns"]


class Trajectory(list):
    """List of states ``[s_0, ..., s_T]``.

    ``aux`` holds what the model's forward pass keeps for its adjoint (a list per step, or a dict of arrays
    (T, B, N)); ``array`` is the (T+1, B, S) array the states are views of, when there is one.
    """

    def __init__(self, states=(), aux=None, array=None):
        super().__init__(states)
        self.aux = [] if aux is None else aux
        self.array = array


class Workspace:
    """Named scratch arrays reused by the forward and backward passes of one training run.

    Trajectories of a training pass live in these buffers: reusing them avoids touching fresh pages (tens of
    MB per mini-batch at N = 784) on every pass. An array is reallocated when its shape or type changes. The
    trainer owns one for the run (:func:`~snt.classify.training.train`); a pass without one allocates.
    """

    def __init__(self):
        self._arrays = {}

    def get(self, name, shape, dtype):
        """The uninitialised array ``name`` of this shape and type."""
        a = self._arrays.get(name)
        if a is None or a.shape != tuple(shape) or a.dtype != dtype:
            nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
            check_memory(nbytes, f"the training buffer {name!r} of shape {tuple(shape)}",
                         "batch_size x (steps + 1) x nodes")  # before the allocation, naming what sets the size
            self._arrays[name] = a = np.empty(shape, dtype=dtype)
        return a


@dataclass
class Params:
    """Trained parameters of a planted-attractor model (float64).

    Attributes
    ----------
    phi_tr : (N, N-K) float64
        Trained eigenvectors.
    lam_tr : (N-K,) float64
        Trained eigenvalues.
    gamma : float
        Trained dynamical scalar (ignored by models with ``trains_gamma = False``).
    """

    phi_tr: np.ndarray
    lam_tr: np.ndarray
    gamma: float

    def copy(self):
        return Params(self.phi_tr.copy(), self.lam_tr.copy(), float(self.gamma))


def block_patterns(n_nodes, n_classes, block, low, high):
    """Class patterns with a block of ``block`` "low" nodes per class and "high" elsewhere.

    Pattern ``k`` is ``low`` on nodes ``[k*block, (k+1)*block)`` and ``high`` on all others.

    Returns
    -------
    (n_classes, n_nodes) float64
    """
    p = np.full((n_classes, n_nodes), float(high))
    for k in range(n_classes):
        p[k, k * block:(k + 1) * block] = low
    return p


class PlantedModel:
    r"""Base class: a dynamical system with :math:`K` planted fixed points and a spectral coupling.

    Subclasses define the local dynamics, the planted patterns, the forward pass and its adjoint.

    Parameters
    ----------
    n_nodes : int
        Number of nodes :math:`N` (inputs with fewer features are zero-padded).
    n_classes : int
        Number of classes :math:`K`, ``2 <= K < N``.
    dtype : {numpy.float64, numpy.float32}
        Floating type of the trajectories (parameters and :math:`A` are built in float64).
    """

    name = "base"
    #: True for maps (stability = spectral radius < 1), False for ODEs (max Re eig < 0)
    discrete = False
    trains_gamma = True
    gamma_init = 0.0
    gamma_bounds = (-np.inf, np.inf)
    default_dt = 0.1
    default_steps = 25
    orth_gain = 1.15
    orth_factor = 0.01
    n_state_blocks = 1
    #: interval of an initial condition that makes sense (None: any real); noisy training items are clipped
    #: to it (``input_noise``)
    state_range: tuple[float, float] | None = None
    #: :class:`~snt.classify.noise.NoiseModel` of the dynamics (None: deterministic); see :meth:`set_noise`
    noise = None
    #: noise model used when only ``sigma`` is given
    default_noise = "additive"

    @classmethod
    def default_nodes(cls, n_features, n_classes):
        r"""Default number of nodes for items of ``n_features`` features and ``n_classes`` classes:
        :math:`\max(F, 2(K+2), \min(2F, 128))` (128 on the digits, the papers' 784 on MNIST)."""
        return max(n_features, 2 * (n_classes + 2), min(2 * n_features, 128))

    @classmethod
    def default_input_map(cls, n_features, n_nodes):
        """How items become initial states by default (``input_map`` of the estimator): ``"pad"``."""
        return "pad"

    def __init__(self, n_nodes, n_classes, dtype=np.float64):
        self.n_nodes = check_int(n_nodes, "n_nodes", minimum=3)
        self.n_classes = check_int(n_classes, "n_classes", minimum=2)
        if self.n_classes >= self.n_nodes:
            raise ValueError(f"n_classes must be < n_nodes={self.n_nodes}, got {self.n_classes}")
        dt = np.dtype(dtype)
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        self.dtype = dt.type
        self.patterns = self._patterns()              # (K, N) target of the loss, state space
        q, _ = np.linalg.qr(self._fixed_span().T)     # span of the planted directions
        self.phi_fix = q                              # (N, K)

    # ------------------------------------------------------------------ noise
    def set_noise(self, kind, sigma):
        """Set the noise of the dynamics (``kind=None`` or ``sigma=0``: deterministic); see
        :mod:`snt.classify.noise`."""
        if kind is None:
            self.noise = None
            return self
        self.noise = NoiseModel(kind, sigma, self.n_state_blocks * self.n_nodes, self.n_nodes, self.name)
        return self

    @property
    def stochastic(self):
        """True when the dynamics carry noise of positive amplitude."""
        return self.noise is not None and self.noise.active

    def noise_rng(self, key):
        """Generator of the noise of one forward pass (None for a deterministic model or ``key=None``)."""
        if key is None or not self.stochastic:
            return None
        return np.random.default_rng(np.atleast_1d(key).tolist())

    def noise_increment(self, s, rng, dt):
        r"""The noise term of one step from state ``s`` (B, S): :math:`\sqrt{\Delta t}B(s)\eta` (ODE) or
        :math:`B(s)\eta` (map), with :math:`\eta` the next standard normal draws of ``rng`` (in float64, so
        that float32 and float64 runs see the same draws)."""
        eta = rng.standard_normal(s.shape).astype(s.dtype)
        amp = self.noise.amplitude(s)
        if not self.discrete:
            amp = amp * s.dtype.type(np.sqrt(dt))
        return amp * eta

    # ------------------------------------------------------------------ to be defined by subclasses
    def _patterns(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fixed_span(self):
        """(K, N) vectors whose span must be an eigenspace with eigenvalue ``lam_fix``."""
        return self.patterns

    def lam_fix(self, gamma):
        """Planted eigenvalue (may depend on the trained scalar)."""
        return 0.0

    def dlam_fix_dgamma(self, gamma):
        return 0.0

    def gamma_box(self, dt=None):
        """Box of the trained scalar for Euler steps of size ``dt`` (default: ``gamma_bounds``)."""
        return self.gamma_bounds

    def lam_bounds(self):
        """Box constraint on every trained eigenvalue (used by L-BFGS-B and projected Adam)."""
        return (-np.inf, np.inf)

    def lam_init(self, rng, m):  # pragma: no cover - abstract
        raise NotImplementedError

    def initial_state(self, X):
        """Initial condition from inputs ``X`` of shape (B, N)."""
        return np.ascontiguousarray(X, dtype=self.dtype)

    def output(self, s):
        """The part of the state compared with the patterns."""
        return s

    def output_adjoint(self, s, p_out):
        """Pull back ``dL/d output`` to ``dL/d state``."""
        return p_out

    def targets(self):
        """(K, n_out) targets of the loss in output space."""
        return self.patterns

    def attractor_states(self, gamma):
        """(K, S) full planted fixed points."""
        return self.patterns.copy()

    # ------------------------------------------------------------------ parameters
    def init_params(self, rng, init="orthogonal"):
        r"""Initial trained parameters: ``orth_gain`` x orthonormal :math:`\Phi_{tr}`, model-specific λ.

        ``init="orthogonal"`` (the papers' Keras ``Orthogonal`` initialiser) draws the columns of
        :math:`\Phi_{tr}` independently of the planted span. They then overlap with it, so
        :math:`[\Phi_{tr} \mid \Phi_{fix}]` is ill conditioned (condition number growing like
        :math:`\sqrt{NK}`, about 50 at N = 128, K = 10) and :math:`A` strongly non-normal:
        :math:`\lVert A\rVert_2` can exceed :math:`\max|\lambda|` twenty-fold, which saturates the transfer
        function of the SNT map on the first steps (and with it the adjoint). ``init="complement"`` draws
        them (Haar) inside the orthogonal complement of the planted span: :math:`\Phi` has orthogonal
        columns and :math:`A` is symmetric at initialisation, with :math:`\lVert A\rVert_2 = \max|\lambda|`.
        """
        m = self.n_nodes - self.n_classes
        if init == "orthogonal":
            phi = orthogonal_columns(self.n_nodes, m, self.orth_gain, rng)
        elif init == "complement":
            z = rng.standard_normal((self.n_nodes, m))
            z -= self.phi_fix @ (self.phi_fix.T @ z)
            q, r = np.linalg.qr(z)
            phi = self.orth_gain * (q * np.sign(np.diag(r)))
        else:
            raise ValueError(f"init must be 'orthogonal' or 'complement', got {init!r}")
        lo, hi = self.lam_bounds()
        lam = np.clip(self.lam_init(rng, m), lo, hi)
        return Params(phi, lam, float(self.gamma_init))

    def coupling(self, params, dtype=np.float64):
        """:class:`SpectralCoupling` of ``params``; ``dtype`` is the precision of A and of its backward map."""
        return SpectralCoupling(params.phi_tr, params.lam_tr, self.phi_fix, self.lam_fix(params.gamma),
                                dtype=dtype)

    # ------------------------------------------------------------------ dynamics (subclasses)
    def forward(self, A, gamma, s0, steps, dt, noise=None, keep=True, work=None):  # pragma: no cover - abstract
        """Return the :class:`Trajectory` ``[s_0, ..., s_T]`` (only ``s_T`` with ``keep=False``); ``work`` is a
        :class:`Workspace` for the buffers (or None)."""
        raise NotImplementedError

    def backward(self, A, gamma, traj, p_T, dt, noise=None, work=None):  # pragma: no cover - abstract
        """Return ``(G, dL/dgamma, dL/ds_0)`` from the stored trajectory and ``p_T = dL/ds_T``."""
        raise NotImplementedError

    def drift(self, s, A, gamma):  # pragma: no cover - abstract
        """Right-hand side (ODE) or ``F(s) - s`` (map): zero exactly at a fixed point."""
        raise NotImplementedError

    def jacobian(self, s, A, gamma):  # pragma: no cover - abstract
        """Jacobian of the ODE right-hand side, or of the map, at one state ``s``."""
        raise NotImplementedError

    def distances(self, out):
        """(B, K) squared distances of the outputs to the targets (nearest-attractor readout)."""
        t = self.targets()
        d = (out * out).sum(1)[:, None] - 2.0 * (out @ t.T) + (t * t).sum(1)[None, :]
        return np.maximum(d, 0.0)

    # ------------------------------------------------------------------ loss and gradient
    #: training loss: "mse" (the papers') or "xent" (cross-entropy of the nearest-attractor readout)
    loss = "mse"
    #: temperature of "xent" in units of the smallest squared distance between two targets
    temperature = 0.1

    def loss_scale(self, n_items):
        """Default factor of the summed loss: mean over items (and over output nodes for "mse")."""
        n_out = self.targets().shape[1] if self.loss == "mse" else 1
        return 1.0 / (n_items * n_out)

    def target_separation(self):
        r""":math:`\min_{k\ne l}\lVert t_k - t_l\rVert^2`, the unit of the "xent" temperature."""
        t = self.targets()
        d = ((t[:, None, :] - t[None, :, :]) ** 2).sum(2)
        return float(d[~np.eye(len(t), dtype=bool)].min())

    def output_loss(self, out, Y, scale):
        r"""Loss of the final outputs and its gradient with respect to them.

        ``"mse"``: :math:`L = s\sum_{b,i}(o_{b,i} - t^{y_b}_i)^2` (the papers' Keras ``mse`` with
        :math:`s = 1/(B\,n_\mathrm{out})`).

        ``"xent"``: the cross-entropy of the nearest-attractor readout made soft,

        .. math::

            L = -s\sum_b \log p_{b,y_b}, \qquad
            p_{b,k} = \frac{e^{-d_{b,k}/\tau}}{\sum_l e^{-d_{b,l}/\tau}}, \qquad
            d_{b,k} = \lVert o_b - t_k\rVert^2,

        with :math:`s = 1/B` and :math:`\tau` = ``temperature`` times the smallest squared distance between
        two targets. Its gradient is :math:`\partial L/\partial o_b = (2s/\tau)(\sum_k p_{b,k}t_k - t_{y_b})`:
        it pushes the output along the difference between the targets only, so unlike the mean squared
        error it cannot be lowered by a state that is equally close to every target.
        """
        t = self.targets()
        if self.loss == "mse":
            diff = out - t.astype(out.dtype)[Y]
            loss = float(scale * np.einsum("ij,ij->", diff, diff, dtype=np.float64))
            return loss, ((2.0 * scale) * diff).astype(out.dtype, copy=False)
        if self.loss != "xent":
            raise ValueError(f"loss must be 'mse' or 'xent', got {self.loss!r}")
        o = out.astype(np.float64)
        tau = self.temperature * self.target_separation()
        z = -PlantedModel.distances(self, o) / tau       # plain squared distances (not a model's override)
        z -= z.max(1, keepdims=True)
        ez = np.exp(z)
        norm = ez.sum(1, keepdims=True)
        rows = np.arange(len(Y))
        loss = float(scale * (np.log(norm[:, 0]) - z[rows, Y]).sum())
        p = ez / norm
        return loss, ((2.0 * scale / tau) * (p @ t - t[Y])).astype(out.dtype)

    def loss_grad(self, params, X, Y, steps, dt, coupling=None, noise=None, scale=None, work=None):
        r"""Training loss of the final outputs (:meth:`output_loss`) and its exact gradient.

        Parameters
        ----------
        params : Params
        X : (B, N) array
            Inputs (already padded to ``n_nodes``).
        Y : (B,) int
            Class indices.
        steps : int
        dt : float
        coupling : SpectralCoupling, optional
            Reused when given (the gradient with respect to ``A`` is returned in any case).
        noise : object, optional
            Frozen noise for stochastic models (common random numbers).
        scale : float, optional
            Multiplies the summed loss; default :meth:`loss_scale` of ``B`` (use that of the whole batch
            for chunks).
        work : Workspace, optional
            Buffers of the trajectory and of the adjoint.

        Returns
        -------
        loss : float
        G : (N, N) float64
            Gradient with respect to ``A``.
        d_gamma : float
            Gradient with respect to the trained scalar (through the dynamics only).
        """
        if coupling is None:
            coupling = self.coupling(params)
        A = coupling.A.astype(self.dtype, copy=False)
        s0 = self.initial_state(X)
        traj = self.forward(A, params.gamma, s0, steps, dt, noise, work=work)
        if scale is None:
            scale = self.loss_scale(len(X))
        loss, p_out = self.output_loss(self.output(traj[-1]), np.asarray(Y), scale)
        p_T = self.output_adjoint(traj[-1], p_out)
        G, d_gamma, _ = self.backward(A, params.gamma, traj, p_T, dt, noise, work=work)
        return loss, G.astype(np.float64), float(d_gamma)

    def predict_outputs(self, params, X, steps, dt, coupling=None, noise=None):
        if coupling is None:
            coupling = self.coupling(params)
        A = coupling.A.astype(self.dtype)
        traj = self.forward(A, params.gamma, self.initial_state(X), steps, dt, noise, keep=False)
        return self.output(traj[-1])

    # ------------------------------------------------------------------ planted fixed points
    def residuals(self, params):
        """max-norm of the drift at each planted fixed point, (K,) float64, computed in float64."""
        c = self.coupling(params)
        s = self.attractor_states(params.gamma)
        return np.array([np.abs(self.drift(s[k], c.A, params.gamma)).max() for k in range(len(s))])

    def growth_rates(self, params, coupling=None):
        """Per attractor: max Re eig of the Jacobian (ODE) or log spectral radius (map); < 0 is stable."""
        c = coupling if coupling is not None else self.coupling(params)
        s = self.attractor_states(params.gamma)
        out = np.empty(len(s))
        for k in range(len(s)):
            ev = np.linalg.eigvals(self.jacobian(s[k], c.A, params.gamma))
            out[k] = np.log(np.abs(ev).max()) if self.discrete else ev.real.max()
        return out


class FewFeatureDefaults:
    """Defaults of the models (Wilson–Cowan, CVFR) whose fits on a few features need more nodes than
    :meth:`PlantedModel.default_nodes` gives and the item repeated over them: put it first among the bases."""

    @classmethod
    def default_nodes(cls, n_features, n_classes):
        """The rule of :meth:`PlantedModel.default_nodes`, and at least 64 nodes: with a few features
        (F < 32) and the 8-10 nodes of that rule the fits end in the class-blind state."""
        return max(64, super().default_nodes(n_features, n_classes))

    @classmethod
    def default_input_map(cls, n_features, n_nodes):
        """``"tile"`` when the item fills at most a quarter of the nodes (zero-padded, the other nodes would
        start class-blind), else ``"pad"``."""
        return "tile" if 4 * n_features <= n_nodes else "pad"
