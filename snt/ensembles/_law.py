"""The E4 spectral law of a network's couplings, read from the ensemble it was sampled from."""

import numpy as np

from ._populations import block_matrix

__all__ = ["spectral_law"]


def spectral_law(net):
    """The E4 law of a network's couplings from the ensemble it was sampled from (``net.origin``), as a
    dict (radius, eta, outlier, source); None when the network does not say (then estimate it from J)."""
    origin = getattr(net, "origin", None) or {}
    if isinstance(origin.get("law"), dict) and {"radius", "eta", "outlier"} <= set(origin["law"]):
        law = origin["law"]
        return {"radius": float(law["radius"]), "eta": float(law["eta"]), "outlier": float(law["outlier"]),
                "source": str(law.get("source", "ensemble parameters"))}
    ens = origin.get("ensemble")
    if isinstance(ens, dict) and {"J", "Jbar"} <= set(ens):
        return {"radius": float(ens["J"]), "eta": 0.0, "outlier": float(ens["Jbar"]),
                "source": "ensemble parameters (iid Gaussian)"}
    pops = origin.get("populations")
    if isinstance(pops, dict) and {"fractions", "J", "Jbar"} <= set(pops):
        alpha = np.atleast_1d(np.asarray(pops["fractions"], dtype=np.float64))
        P = alpha.size
        radius = float(np.sqrt(np.max(np.abs(np.linalg.eigvals(block_matrix(pops["J"], P, "J") ** 2
                                                                 * alpha[None, :])))))
        mean = np.linalg.eigvals(block_matrix(pops["Jbar"], P, "Jbar") * alpha[None, :])
        top = mean[np.argmax(np.abs(mean))]
        return {"radius": radius, "eta": 0.0, "outlier": float(top.real) if abs(top.imag) < 1e-12 else 0.0,
                "source": "ensemble parameters (populations: radius^2 = rho(alpha_b J_ab^2), outlier = top "
                          "eigenvalue of alpha_b Jbar_ab)"}
    return None
