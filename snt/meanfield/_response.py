r"""Mean-field prediction of the linear response (SCIENCE.md §5): the population-mean response to a uniform
pulse :math:`R_M(\tau) = a^{\tau}`, :math:`a = \gamma + \bar J\langle f'\rangle`, and the mean diagonal
:math:`\mathrm{Tr}\,R(\tau)/N = \gamma^{\tau}`, in the lag convention of E12 (R(0) = I)."""

import functools

import numpy as np

from .._transfer_codes import TRANSFER_CODES
from ._gauss import grid, moments
from ._theory import stationary

__all__ = ["response_prediction"]


def _ensemble_of(net):
    """The iid ensemble the network came from (``net.origin``), else the one matching its moments."""
    from ..ensembles import Ensemble
    origin = (net.origin or {}).get("ensemble")
    if origin is not None and {"J", "Jbar"} <= set(origin):
        ens = Ensemble(**{k: origin[k] for k in ("N", "J", "Jbar", "theta_mean", "theta_std")},
                       g=net.g, gamma=net.gamma, sigma=net.sigma, transfer=net.transfer)
        return ens, "ensemble parameters of net.origin"
    N = net.N
    ens = Ensemble(N=N, J=float(net.J.std() * np.sqrt(N)), Jbar=float(net.J.mean() * N),
                   theta_mean=float(net.theta.mean()), theta_std=float(net.theta.std()), g=net.g,
                   gamma=net.gamma, sigma=net.sigma, transfer=net.transfer)
    return ens, "moments of J and theta (J = sqrt(N) std J, Jbar = N mean J)"


def response_prediction(net, lags):
    r"""Mean-field population-mean and diagonal responses (SCIENCE.md §5):
    :math:`R_M(\tau) = a^{\tau}`, :math:`a = \gamma + \bar J\langle f'\rangle`, and
    :math:`\mathrm{Tr}\,R(\tau)/N = \gamma^{\tau}` (lag convention of E12, R(0) = I).

    :math:`\langle f'\rangle` is the Gaussian average over :math:`u \sim \mathcal N(m^*, v^*)` with the
    stationary state of :func:`snt.meanfield.stationary`. Exact as N -> ∞ for iid couplings, odd f and
    :math:`\bar\theta = \sigma_\theta = 0`; otherwise a guide.

    Parameters
    ----------
    net : Network
    lags : (L,) array_like of int
        Lags τ >= 0.

    Returns
    -------
    dict
        ``a``, ``mean_slope`` :math:`\langle f'\rangle`, ``m``, ``v``, ``R_mean`` (L,), ``R_diag`` (L,),
        ``ensemble`` (where the ensemble parameters came from), ``regime``.
    """
    ens, where = _ensemble_of(net)
    m, v, fp, regime = _stationary_slope(ens.replace(N=1))   # the mean-field state does not depend on N
    a = net.gamma + ens.Jbar * fp
    lags = np.asarray(lags, dtype=float)
    return {"a": a, "mean_slope": fp, "m": m, "v": v, "R_mean": a ** lags, "R_diag": net.gamma ** lags,
            "ensemble": where, "regime": regime}


@functools.lru_cache(maxsize=64)
def _stationary_slope(ens):
    """m*, v*, <f'> over N(m*, v*) and the regime, of an Ensemble (cached: the two-time march costs seconds)."""
    st = stationary(ens)
    m, v = float(st.m), float(st.v)
    z, w = grid()
    fp = float(moments(np.array([m]), np.array([v]), ens.g, TRANSFER_CODES[ens.transfer], z, w)[2, 0])
    return m, v, fp, str(st.regime.values)
