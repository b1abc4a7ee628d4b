r"""One forward/backward template for the models whose step is a coupling product and a fused kernel.

The double well and Wilson–Cowan advance a batch (items are rows) by one product with the coupling,
:math:`U = X A^\top` with :math:`X` the coupled block of the state, followed by one fused elementwise kernel that
forms the next state (and whatever the adjoint needs later). The discrete adjoint runs the steps backwards:
an elementwise kernel gives the coupling part :math:`q_t` of the adjoint and the local part of
:math:`p_t`, the product :math:`q_t A` its coupling part, and

.. math:: G = \partial L/\partial A = \sum_t q_t^\top X_t

is accumulated as one matrix product per block of steps (about 2048 rows). A model supplies the kernels
through four hooks: :meth:`FusedModel.step_constants`, :meth:`FusedModel.step`,
:meth:`FusedModel.adjoint_step` and :meth:`FusedModel.gamma_gradient`, plus :attr:`FusedModel.aux_names`,
the per-step arrays (B, N) its forward pass keeps for the adjoint.

Noise is frozen in the adjoint (a pathwise gradient: the draws :math:`\eta_t` are the same in the forward pass
and in its adjoint). Additive noise adds nothing to the adjoint; the state-dependent amplitude
:math:`\sigma\sqrt{|s|}` of :mod:`snt.classify.noise` adds the diagonal term :math:`w_t/(2s_t)` of its
increment :math:`w_t` to the step's Jacobian, for which the forward pass keeps the increments.
"""

from __future__ import annotations

import numpy as np

from .base import PlantedModel, Trajectory, Workspace

__all__ = ["FusedModel"]


class FusedModel(PlantedModel):
    """A :class:`PlantedModel` whose forward pass and adjoint follow the template of the module docstring."""

    #: names of the per-step (B, N) arrays kept by the forward pass for the adjoint
    aux_names: tuple[str, ...] = ()

    # ------------------------------------------------------------------ hooks
    def step_constants(self, gamma, dt):  # pragma: no cover - abstract
        """Tuple of the scalars and constant arrays the two kernels take, cast to the model's ``dtype``."""
        raise NotImplementedError

    def step(self, s, u, out, aux, consts, noise=None):  # pragma: no cover - abstract
        """Write the next state of ``s`` into ``out`` (and the per-step arrays ``aux``), ``u = X A^T``;
        ``noise`` is the noise increment of the step (:meth:`~snt.classify.base.PlantedModel.noise_increment`)
        or None."""
        raise NotImplementedError

    def adjoint_step(self, s, s_next, aux, p, r, q, pn, consts):  # pragma: no cover - abstract
        """Adjoint of one step. ``p + r`` is the adjoint of the next state (local part ``p``, coupling part
        ``r`` on the coupled block); write the coupling part ``q`` and the local part ``pn`` of the new one;
        return this step's contribution to the scalar of :meth:`gamma_gradient`."""
        raise NotImplementedError

    def gamma_gradient(self, gamma, dt, acc):  # pragma: no cover - abstract
        """dL/dγ from the sum of the :meth:`adjoint_step` contributions."""
        raise NotImplementedError

    @property
    def _noise_depends_on_state(self):
        return self.noise is not None and self.noise.kind == "state-dependent"

    # ------------------------------------------------------------------ template
    def forward(self, A, gamma, s0, steps, dt, noise=None, keep=True, work=None):
        """States ``[s_0, ..., s_T]`` (views of one (T+1, B, S) array, or only ``s_T`` with ``keep=False``);
        ``work``: a :class:`~snt.classify.base.Workspace` holding the buffers (training).

        With noise (:meth:`~snt.classify.base.PlantedModel.set_noise`) the step is Euler–Maruyama, the noise
        of step t being the t-th draw of ``default_rng(noise)``; :meth:`backward` is the adjoint of the step
        with the draws frozen (pathwise), exact for additive and state-dependent noise (for the latter the
        increments are kept, ``aux["noise_increment"]``)."""
        d, n = self.dtype, self.n_nodes
        A = np.asarray(A, dtype=d)
        s0 = np.ascontiguousarray(s0, dtype=d)
        B, width = s0.shape
        work = Workspace() if work is None else work
        u = np.empty((B, n), dtype=d)
        if keep:
            S = work.get("S", (steps + 1, B, width), d)
            aux = {name: work.get(name, (steps, B, n), d) for name in self.aux_names}
        else:
            S = np.empty((2, B, width), dtype=d)
            aux = {name: np.empty((1, B, n), dtype=d) for name in self.aux_names}
        S[0] = s0
        consts = self.step_constants(gamma, dt)
        rng = self.noise_rng(noise)
        # state-dependent noise: the adjoint needs each step's increment (module docstring)
        W = work.get("W", (steps, B, width), d) if keep and rng is not None and self._noise_depends_on_state \
            else None
        for t in range(steps):
            cur, nxt = (t, t + 1) if keep else (t % 2, (t + 1) % 2)
            np.matmul(S[cur][:, :n], A.T, out=u)
            incr = None if rng is None else self.noise_increment(S[cur], rng, dt)
            if W is not None:
                W[t] = incr
            self.step(S[cur], u, S[nxt], [aux[name][t if keep else 0] for name in self.aux_names], consts, incr)
        if keep:
            if W is not None:
                aux = {**aux, "noise_increment": W}
            return Trajectory(list(S), aux=aux, array=S)
        return Trajectory([S[steps % 2]])

    def backward(self, A, gamma, traj, p_T, dt, noise=None, work=None):
        """``(G, dL/dgamma, dL/ds_0)`` from a trajectory of :meth:`forward` (``keep=True``) and ``p_T``."""
        d, n = self.dtype, self.n_nodes
        A = np.asarray(A, dtype=d)
        S, aux = traj.array, traj.aux
        steps, B = S.shape[0] - 1, S.shape[1]
        work = Workspace() if work is None else work
        consts = self.step_constants(gamma, dt)
        G = np.zeros((n, n), dtype=d)
        acc = 0.0
        p = np.array(p_T, dtype=d, order="C")
        pn = work.get("pn", p.shape, d)
        r = work.get("r", (B, n), d)
        r[:] = 0.0
        block = max(1, min(steps, -(-2048 // B)))
        Q = work.get("Q", (block, B, n), d)
        W = aux.get("noise_increment") if isinstance(aux, dict) else None
        dB = work.get("dB", p.shape, d) if W is not None else None
        for hi in range(steps, 0, -block):
            lo = max(0, hi - block)
            for t in range(hi - 1, lo - 1, -1):
                q = Q[t - lo]
                acc += self.adjoint_step(S[t], S[t + 1], [aux[name][t] for name in self.aux_names], p, r, q, pn,
                                         consts)
                if W is not None:
                    _add_noise_adjoint(pn, p, r, W[t], S[t], dB)
                np.matmul(q, A, out=r)
                p, pn = pn, p
            G += Q[: hi - lo].reshape(-1, n).T @ S[lo:hi, :, :n].reshape(-1, n)
        p = p.copy()                 # may be a workspace buffer
        p[:, :n] += r
        return G, self.gamma_gradient(gamma, dt, acc), p


def _add_noise_adjoint(pn, p, r, incr, s, buf):
    r"""Add the state-dependent noise term of one step's adjoint to ``pn``.

    The increment :math:`w = \sqrt{\Delta t}\,\sigma\sqrt{|s|}\,\eta` has
    :math:`\partial w/\partial s = w/(2s)` (elementwise; the limit 0 is taken where :math:`s = 0`, where
    :math:`w = 0` and the derivative itself is singular), so the adjoint of :math:`s_t` gains
    :math:`a_{t+1}\odot w_t/(2 s_t)`, with :math:`a_{t+1} = p + (r, 0)` the adjoint of the next state.
    """
    n = r.shape[1]
    np.divide(incr, 2.0 * s, out=buf, where=s != 0)
    buf[s == 0] = 0.0
    buf[:, :n] *= p[:, :n] + r
    buf[:, n:] *= p[:, n:]
    pn += buf
