"""Effective connectivity from the response kernel (SCIENCE.md E12)."""

import json

import numpy as np
import xarray as xr

from .._checks import check_int
from ..network import check_network
from ..results import provenance
from ._common import LAG_NOTE, REFS

__all__ = ["effective_connectivity"]


def effective_connectivity(R, lag=1, net=None):
    r"""Effective connectivity from the response: :math:`W^{(k)} = R(k) - \gamma^k I` (columns of the
    sources; lag convention of E12, R(0) = I) (E12).

    Expanding :math:`R(k) = \mathbb E[\prod (\gamma I + J\Lambda)]` over paths j → k₁ → … → i of k steps,
    each step either the leak's self-loop (weight γ) or a coupling :math:`J_{kl} f'(u_l)`, the term
    :math:`\gamma^k I` is the single path that takes the self-loop at every step. :math:`W^{(k)}` is the
    sum of the mean weights of all the other k-step paths, including those that take the self-loop on some
    (not all) steps: for k >= 2 it is not the weight of the paths that never use the leak.

    For k = 1, :math:`R(1) = \mathbb E[DF(u)] = \gamma I + J\,\mathbb E[\Lambda]`, so
    :math:`W^{(1)} = J\,\mathrm{diag}\langle f'(u_j)\rangle` in any regime; at a fixed point it equals
    :math:`J\Lambda^*`.

    Parameters
    ----------
    R : xarray.Dataset
        From :func:`kernel` (one estimator: select it first), with lags up to ``lag``.
    lag : int
        Number of propagation steps k >= 1.
    net : Network, optional
        The network, to put J beside W and fit :math:`W_{\cdot j} \approx \kappa_j J_{\cdot j}`.

    Returns
    -------
    xarray.Dataset
        ``W`` (neuron, source) with ``W_stderr``; with ``net``: ``J`` (neuron, source), ``slope`` (source)
        :math:`\kappa_j = \sum_i W_{ij}J_{ij}/\sum_i J_{ij}^2` (for k = 1 the mean slope
        :math:`\langle f'(u_j)\rangle`), ``correlation`` (source) between W and J.
    """
    if not isinstance(R, xr.Dataset) or "R" not in R:
        raise TypeError("R must be a Dataset returned by snt.response.kernel")
    if "estimator" in R.dims:
        raise ValueError("R has several estimators; select one first, e.g. R.sel(estimator='jacobian')")
    H = int(R.lag.max())
    lag = check_int(lag, "lag", minimum=1, maximum=H)
    params = json.loads(R.attrs["parameters"])
    gamma = params["network"]["gamma"]
    src = R.source.values
    Rk = R.R.sel(lag=lag)
    leak = np.zeros(Rk.shape)
    leak[src, np.arange(src.size)] = gamma ** lag
    W = Rk - leak
    one = {"units": "1"}
    data = {"W": W.assign_attrs(long_name=f"effective connectivity over {lag} step(s), R(k) - gamma^k I", **one),
            "W_stderr": R.R_stderr.sel(lag=lag).assign_attrs(long_name="standard error of W", **one)}
    if net is not None:
        check_network(net)
        if net.N != R.sizes["neuron"]:
            raise ValueError(f"net has N = {net.N} neurons but R has {R.sizes['neuron']}")
        Jc = net.J[:, src]
        Wv = W.values
        data["J"] = (("neuron", "source"), Jc, {"long_name": "couplings J_ij of the sources", **one})
        data["slope"] = (("source",), (Wv * Jc).sum(0) / (Jc * Jc).sum(0),
                         {"long_name": "least-squares kappa_j in W_.j = kappa_j J_.j", **one})
        data["correlation"] = (("source",), np.array([np.corrcoef(Wv[:, k], Jc[:, k])[0, 1]
                                                      for k in range(src.size)]),
                               {"long_name": "correlation of W_.j and J_.j", **one})
    ds = xr.Dataset(data).drop_vars("lag", errors="ignore")
    ds.attrs.update(provenance("Effective connectivity from the response kernel",
                               f"SCIENCE.md E12: W = R(k) - gamma^k I, k = {lag}; " + LAG_NOTE,
                               {"lag": lag, "kernel_parameters": R.attrs["parameters"]}, references=REFS))
    return ds
