r"""Noise models of the planted-attractor dynamics: the amplitude :math:`B(s)` of the Euler–Maruyama step.

Every ODE model is simulated as

.. math:: s_{t+1} = s_t + \Delta t\,F(s_t) + \sqrt{\Delta t}\,B(s_t)\,\eta_t, \qquad \eta_t \sim \mathcal N(0, I),

and the SNT map as :math:`s_{t+1} = \mathcal F(s_t) + B(s_t)\,\eta_t` (its noise :math:`\sigma B(t)` of
SCIENCE.md (E1); no :math:`\sqrt{\Delta t}`). :math:`B` is diagonal (independent noise per state variable;
docs/science/stochastic.md (L1)):

``"additive"``
    :math:`B = \mathrm{diag}(\sigma_i)`, with one :math:`\sigma` for every variable (isotropic) or a vector
    of per-node amplitudes. It does not vanish at the attractors, so their linear-noise covariance is not
    zero (:mod:`snt.classify.lna`). The pathwise gradient of a step does not depend on it: models fitted
    with it use the deterministic adjoint with the noise frozen (common random numbers).
``"state-dependent"``
    :math:`B(s) = \mathrm{diag}(\sigma_i\sqrt{|s_i|})`: the variance of an increment is proportional to the
    local activity, as in the diffusion approximation of a birth–death (Poisson) process. Silent variables
    receive no noise. The double well and Wilson–Cowan train with it: their pathwise adjoint
    (:mod:`snt.classify.fused`) includes :math:`\partial B/\partial s = \sigma\,\mathrm{sign}(s)/(2\sqrt{|s|})`,
    singular at :math:`s = 0` (where the increment is 0 and the term is taken as 0). The CVFR and the SNT map
    have no such adjoint: fitting them with it is refused (prediction, trajectories and the LNA work).
``"damped"``
    The CVFR noise of arXiv:2409.13470, :math:`B(x) = \sigma\tanh(P(x))\,I` with :math:`P` the geometric
    mean of the mean-square distances to the attractors (:mod:`snt.classify.cvfr`). It vanishes at every
    planted attractor, so the linear-noise covariance there is exactly 0. CVFR models only.

``sigma`` of a model with more than one block of state variables (Wilson–Cowan: x and y) is either a
scalar, a vector over the N nodes (used for both populations), or a vector over all state variables.
"""

from __future__ import annotations

import numpy as np

from ._names import NOISE_MODELS

__all__ = ["NOISE_MODELS", "NoiseModel", "check_sigma", "with_noise"]


def check_sigma(sigma, name="sigma"):
    """``sigma`` as a float or a 1-d float64 array of finite values >= 0, else a ValueError naming it."""
    if isinstance(sigma, bool):
        raise TypeError(f"{name} must be a number or a sequence of numbers, got {sigma!r}")
    try:
        arr = np.asarray(sigma, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or a sequence of numbers, got {sigma!r}") from None
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(f"{name} must be a scalar or a 1-d sequence, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must hold finite noise amplitudes >= 0, got {sigma!r}")
    return float(arr) if arr.ndim == 0 else arr


class NoiseModel:
    r"""Diagonal noise amplitude :math:`B(s)` of one model (see the module docstring).

    Parameters
    ----------
    kind : {"additive", "state-dependent", "damped"}
    sigma : float or (N,) or (S,) array
        Amplitude(s) :math:`\sigma`, finite and >= 0.
    n_state : int
        Number of state variables :math:`S` (:math:`N` times the number of state blocks).
    n_nodes : int
        Number of nodes :math:`N`.
    model : str
        Name of the model family, for the error messages and the ``"damped"`` check.
    """

    def __init__(self, kind, sigma, n_state, n_nodes, model="model"):
        if not isinstance(kind, str) or kind not in NOISE_MODELS:
            raise ValueError(f"noise must be one of {sorted(NOISE_MODELS)} or None, got {kind!r}")
        allowed = NOISE_MODELS[kind]
        if allowed is not None and not any(model.startswith(a) for a in allowed):
            raise ValueError(f"noise={kind!r} is defined for the models {list(allowed)} only, not for {model!r}")
        sigma = check_sigma(sigma)
        if np.ndim(sigma) == 1:
            if kind == "damped":
                raise ValueError("noise='damped' takes one scalar sigma")
            if sigma.size == n_nodes and n_state != n_nodes:
                sigma = np.tile(sigma, n_state // n_nodes)
            elif sigma.size != n_state:
                raise ValueError(f"sigma must be a scalar or have {n_nodes} (nodes) or {n_state} (state "
                                 f"variables) entries, got {sigma.size}")
        self.kind, self.sigma = kind, sigma
        self.n_state, self.n_nodes = int(n_state), int(n_nodes)

    @property
    def active(self):
        """True when some amplitude is positive."""
        return bool(np.any(np.asarray(self.sigma) > 0))

    def sigma_vector(self):
        """(S,) float64 amplitudes."""
        return np.broadcast_to(np.asarray(self.sigma, dtype=np.float64), (self.n_state,)).copy()

    def amplitude(self, s):
        """Diagonal of :math:`B(s)`, broadcastable to ``s`` of shape (B, S) (``"damped"``: see the CVFR model)."""
        if self.kind == "additive":
            return np.asarray(self.sigma, dtype=s.dtype)
        if self.kind == "state-dependent":
            return np.asarray(self.sigma, dtype=s.dtype) * np.sqrt(np.abs(s))
        raise ValueError("the damped noise amplitude is computed by the CVFR model itself")

    def diffusion(self, s_star, damping=None):
        r"""Diffusion matrix :math:`D = B(s^*)B(s^*)^\top` (S, S) at one state (docs/science/stochastic.md (L2)).

        ``damping``: the factor :math:`\tanh P(s^*)` of the ``"damped"`` noise (0 at a planted attractor).
        """
        s_star = np.asarray(s_star, dtype=np.float64)
        if self.kind == "damped":
            b = np.full(self.n_state, float(self.sigma) * (0.0 if damping is None else float(damping)))
        else:
            b = np.broadcast_to(self.amplitude(s_star[None, :])[0] if self.kind != "additive"
                                else self.sigma_vector(), (self.n_state,))
        return np.diag(np.asarray(b, dtype=np.float64) ** 2)

    def to_json(self):
        s = self.sigma
        return {"kind": self.kind, "sigma": s if np.ndim(s) == 0 else np.asarray(s).tolist()}

    def __repr__(self):
        s = self.sigma if np.ndim(self.sigma) == 0 else f"array({np.asarray(self.sigma).shape})"
        return f"NoiseModel({self.kind!r}, sigma={s})"


def with_noise(clf, noise, sigma=None):
    r"""Copy of a fitted classifier whose dynamics carry another noise model (same trained coupling).

    ``noise=None`` gives the deterministic counterpart (:meth:`AttractorClassifier.deterministic`). Use it to
    run a coupling trained with additive noise under state-dependent noise, or the CVFR with additive noise
    instead of its damped noise (whose LNA covariance is 0).
    """
    import copy
    from dataclasses import replace

    from sklearn.utils.validation import check_is_fitted
    check_is_fitted(clf)
    if noise is None:
        return clf.deterministic()
    if sigma is None:
        raise ValueError(f"with_noise: noise={noise!r} needs sigma, the noise amplitude (>= 0)")
    new = copy.deepcopy(clf)
    m = new.model_
    m.set_noise(noise, sigma)
    new.noise, new.sigma = noise, (check_sigma(sigma) if np.ndim(sigma) == 0 else np.asarray(sigma).tolist())
    new.config_ = replace(new.config_, noise=noise, sigma=new.sigma if np.ndim(sigma) == 0 else tuple(new.sigma))
    if m.name.startswith("cvfr"):
        m.sigma = check_sigma(sigma)
        m.name = "cvfr-stochastic" if noise == "damped" and m.stochastic else "cvfr"
        new.model = m.name
        new.config_ = replace(new.config_, model=m.name)
    return new
