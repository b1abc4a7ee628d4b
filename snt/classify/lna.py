r"""Linear noise approximation (LNA) of the planted attractors: each becomes a Gaussian 𝒩(x*_k, C_k).

Linearising the noisy dynamics around a planted fixed point :math:`s^*_k` (docs/science/stochastic.md (L3)),
a deviation :math:`\xi = s - s^*_k` obeys :math:`\xi_{t+1} = M\xi_t + \sqrt{\Delta t}\,B(s^*_k)\eta_t`, with
:math:`M = I + \Delta t J` for the Euler–Maruyama model that is simulated (:math:`J` the Jacobian of the
ODE's right-hand side at :math:`s^*_k`) and :math:`M = D\mathcal F(s^*_k)` for the SNT map (no
:math:`\Delta t`). Its stationary covariance solves the discrete Lyapunov equation (L4)

.. math:: C = M C M^\top + \Delta t\,D, \qquad D = B(s^*_k)B(s^*_k)^\top ,

(``method="discrete"``, :func:`scipy.linalg.solve_discrete_lyapunov`); the ODE limit
:math:`\Delta t \to 0` is the continuous equation (L5) :math:`J C + C J^\top + D = 0`
(``method="continuous"``, :func:`scipy.linalg.solve_continuous_lyapunov`). The two differ at first order in
:math:`\Delta t` (L6); use the discrete one to predict what the simulation does. :math:`C` is linear in
:math:`D`, hence exactly proportional to :math:`\sigma^2`.

Statuses (one per class, most severe first):

``"unstable"``
    :math:`\max\mathrm{Re}\,\mathrm{eig}\,J \ge 0`, or the spectral radius of :math:`M` is :math:`\ge 1`
    (the Euler step itself diverges): there is no stationary distribution. With ``errors="raise"`` (the
    default) this is a ValueError.
``"deterministic"`` / ``"noise-vanishes"``
    :math:`D = 0`: no noise, or the CVFR's damped noise, whose amplitude :math:`\sigma\tanh P(x)` is 0 at
    every planted attractor because :math:`P(x^*_k) = 0` exactly. Then :math:`C = 0`: the class distribution
    is a point mass and cannot be sampled for generation.
``"ill-conditioned"``
    The eigenvector matrix of :math:`J` has condition number above ``max_cond`` (strong non-normality:
    transient amplification that a linear theory around the attractor may not describe), or the Lyapunov
    solution's relative residual exceeds 1e-8.
``"broad"``
    Three standard deviations along the widest axis of :math:`C_k` exceed half the distance to the nearest
    other attractor, or three standard deviations of one state variable exceed half the gap between the
    values that variable takes in the attractors (a node of the double well crossing from +a towards -a):
    samples of 𝒩(x*_k, C_k) can leave the basin, and the linearisation is doubtful there.
``"ok"``
    None of the above. This is a statement about the linearisation only: whether the nonlinear noisy chains
    stay near the attractor (a strongly non-normal coupling can carry them out of a basin whose width the
    Gaussian does not see) is decided by simulation, :func:`snt.classify.compare_lna` (its ``agreement``).
"""

from __future__ import annotations

import json

import numpy as np
import scipy.linalg
import xarray as xr

__all__ = ["lna", "lna_model", "STATUSES"]

STATUSES = ("ok", "broad", "ill-conditioned", "deterministic", "noise-vanishes", "unstable")


def _check_method(method, discrete_model):
    if method not in ("discrete", "continuous"):
        raise ValueError(f"method must be 'discrete' or 'continuous', got {method!r}")
    if method == "continuous" and discrete_model:
        raise ValueError("method='continuous' is the ODE limit; the SNT map is a map: use method='discrete'")


def _diffusion(model, s):
    """Diffusion matrix at the planted state ``s`` and the status it implies (None when noisy)."""
    S = len(s)
    nm = model.noise
    if nm is None or not nm.active:
        return np.zeros((S, S)), "deterministic"
    if nm.kind == "damped":
        # P(x*_k) contains the factor m_k = |x*_k - x*_k|^2/N = 0: the amplitude is exactly 0 there
        return nm.diffusion(s, damping=0.0), "noise-vanishes"
    D = nm.diffusion(s)
    return D, (None if np.any(D) else "noise-vanishes")


def _variable_margin(states):
    """Per state variable: half the smallest gap between the values it takes in the planted attractors (the
    double well's a, Wilson–Cowan's (x_high - x_low)/2); inf for a variable that is the same in all of them."""
    out = np.full(states.shape[1], np.inf)
    for i in range(states.shape[1]):
        v = np.unique(states[:, i])
        if len(v) > 1:
            out[i] = 0.5 * np.diff(v).min()
    return out


def _solve(method, J, M, q, D):
    """Stationary covariance (L4) or (L5), its relative residual and its eigen-decomposition (descending)."""
    if method == "discrete":
        C = scipy.linalg.solve_discrete_lyapunov(M, q * D)
        r = M @ C @ M.T + q * D - C
    else:
        C = scipy.linalg.solve_continuous_lyapunov(J, -D)
        r = J @ C + C @ J.T + D
    C = 0.5 * (C + C.T)
    lam, U = np.linalg.eigh(C)
    return C, np.linalg.norm(r) / np.linalg.norm(C), lam[::-1], U[:, ::-1]


def lna_model(model, params, dt, method="discrete", errors="raise", max_cond=1e8, coupling=None):
    r"""LNA of every planted attractor of ``model`` with parameters ``params`` (see the module docstring).

    Parameters
    ----------
    model : PlantedModel
        With its noise model (``PlantedModel.set_noise``).
    params : Params
    dt : float
        Euler–Maruyama step (ignored by the SNT map).
    method : {"discrete", "continuous"}
        Lyapunov equation (L4) of the simulated Euler–Maruyama model, or (L5) of the ODE limit.
    errors : {"raise", "status"}
        An unstable attractor raises a ValueError, or is reported with status ``"unstable"`` and a NaN
        covariance.
    max_cond : float
        Condition number of the Jacobian's eigenvector matrix above which the status is ``"ill-conditioned"``.
    coupling : SpectralCoupling, optional

    Returns
    -------
    xarray.Dataset
        Over ``class``: ``attractor (node)``, ``covariance (node, node2)``, its eigen-decomposition
        ``cov_eigenvalue (mode)`` (descending) and ``cov_eigenvector (node, mode)``, the diffusion diagonal,
        the Jacobian's spectrum ``jacobian_eig_real/imag (eig)`` (descending real part), ``growth_rate``,
        ``spectral_radius`` of :math:`M`, ``eigvec_cond``, ``lyapunov_residual``, ``status``; attributes
        ``method``, ``dt``, ``noise``, ``phi_cond`` (condition number of :math:`\Phi`), ``note``.
        ``node`` runs over all state variables (Wilson–Cowan: the N excitatory then the N inhibitory ones).
    """
    _check_method(method, model.discrete)
    if errors not in ("raise", "status"):
        raise ValueError(f"errors must be 'raise' or 'status', got {errors!r}")
    if not model.discrete:
        if isinstance(dt, bool) or not isinstance(dt, (int, float, np.integer, np.floating)) \
                or not np.isfinite(dt) or dt <= 0:
            raise ValueError(f"dt must be a positive finite number, got {dt!r}")
    c = coupling if coupling is not None else model.coupling(params)
    states = model.attractor_states(params.gamma)
    K, S = states.shape
    cov = np.zeros((K, S, S))
    ev = np.zeros((K, S))
    evec = np.zeros((K, S, S))
    jre, jim = np.zeros((K, S)), np.zeros((K, S))
    growth, radius, econd, resid = (np.zeros(K) for _ in range(4))
    diag = np.zeros((K, S))
    status = []
    margin = _variable_margin(states)
    memo = {}
    for k in range(K):
        s = states[k]
        J = model.jacobian(s, c.A, params.gamma)
        kj = J.tobytes()
        if kj not in memo:        # the double well's Jacobian is the same at every attractor: one solve
            w, V = np.linalg.eig(J)
            memo[kj] = (w, np.linalg.cond(V))
        w, econd[k] = memo[kj]
        order = np.argsort(-w.real)
        jre[k], jim[k] = w.real[order], w.imag[order]
        if model.discrete:
            M, q = J, 1.0
            growth[k] = np.log(np.abs(w).max())
            radius[k] = np.abs(w).max()
        else:
            M, q = np.eye(S) + dt * J, float(dt)
            growth[k] = w.real.max()
            radius[k] = np.abs(1.0 + dt * w).max()
        D, st = _diffusion(model, s)
        diag[k] = np.diag(D)
        unstable = growth[k] >= 0 if model.discrete else (growth[k] >= 0 or
                                                           (method == "discrete" and radius[k] >= 1))
        if unstable:
            if errors == "raise":
                what = (f"log spectral radius of the map Jacobian {growth[k]:.4g} >= 0" if model.discrete else
                        f"max Re eig J = {growth[k]:.4g}" + ("" if growth[k] >= 0 else
                                                             f", spectral radius of I + dt J = {radius[k]:.4g} "
                                                             f">= 1 at dt = {dt}"))
                raise ValueError(f"lna: the attractor of class {k} is unstable ({what}); there is no stationary "
                                 "covariance (pass errors='status' to get NaN and status 'unstable')")
            cov[k], ev[k], evec[k], resid[k] = np.nan, np.nan, np.nan, np.nan
            status.append("unstable")
            continue
        if st is not None:            # D = 0: C = 0 exactly
            status.append(st)
            evec[k] = np.eye(S)
            continue
        kd = (kj, D.tobytes())
        if kd not in memo:
            memo[kd] = _solve(method, J, M, q, D)
        C, resid[k], lam, U = memo[kd]
        cov[k], ev[k], evec[k] = C, lam, U
        if econd[k] > max_cond or resid[k] > 1e-8 or lam[-1] < -1e-8 * lam[0]:
            status.append("ill-conditioned")
            continue
        others = np.delete(states, k, axis=0)
        d_min = np.sqrt(((others - s) ** 2).sum(1).min())
        wide = 3.0 * np.sqrt(max(lam[0], 0.0)) > 0.5 * d_min
        wide |= bool(np.any(3.0 * np.sqrt(np.maximum(np.diag(C), 0.0)) > margin))
        status.append("broad" if wide else "ok")
    notes = {"deterministic": "no noise: the covariance is 0 (a point mass at the attractor)",
             "noise-vanishes": "the noise amplitude is 0 at the attractors (the CVFR's damped noise): the "
                               "covariance is 0, the class distribution is a point mass",
             "unstable": "unstable attractor: no stationary covariance (NaN)",
             "ill-conditioned": "non-normal Jacobian or inaccurate Lyapunov solution: check against "
                                "snt.classify.compare_lna",
             "broad": "the Gaussian reaches half-way to another attractor: samples may leave the basin"}
    if "ok" in status:
        notes["ok"] = ("linear analysis only: check with snt.classify.compare_lna that the chains stay near "
                       "the attractors")
    note = "; ".join(f"classes {[k for k in range(K) if status[k] == s]}: {notes[s]}"
                     for s in STATUSES if s in status)
    nm = model.noise
    n = model.n_nodes
    block = np.repeat(np.arange(S // n), n)
    return xr.Dataset(
        {"attractor": (("class", "node"), states, {"long_name": "planted attractor", "units": "1"}),
         "covariance": (("class", "node", "node2"), cov,
                        {"long_name": "LNA stationary covariance", "units": "1"}),
         "cov_eigenvalue": (("class", "mode"), ev, {"long_name": "variance along the principal axis",
                                                    "units": "1"}),
         "cov_eigenvector": (("class", "node", "mode"), evec, {"long_name": "principal axis of the covariance",
                                                               "units": "1"}),
         "diffusion": (("class", "node"), diag, {"long_name": "diffusion matrix diagonal B B^T", "units": "1"}),
         "jacobian_eig_real": (("class", "eig"), jre, {"long_name": "real part of the Jacobian eigenvalues",
                                                       "units": "1/time"}),
         "jacobian_eig_imag": (("class", "eig"), jim, {"long_name": "imaginary part of the Jacobian eigenvalues",
                                                       "units": "1/time"}),
         "growth_rate": ("class", growth, {"long_name": "log spectral radius of the map Jacobian"
                                           if model.discrete else "max real part of the Jacobian eigenvalues",
                                           "units": "1/time"}),
         "spectral_radius": ("class", radius, {"long_name": "spectral radius of the one-step propagator M",
                                               "units": "1"}),
         "eigvec_cond": ("class", econd, {"long_name": "condition number of the Jacobian eigenvectors",
                                          "units": "1"}),
         "lyapunov_residual": ("class", resid, {"long_name": "relative residual of the Lyapunov equation",
                                                "units": "1"}),
         "status": ("class", np.array(status, dtype=object), {"long_name": "LNA status"})},
        coords={"class": np.arange(K), "node": np.arange(S), "node2": np.arange(S), "mode": np.arange(S),
                "eig": np.arange(S),
                "block": ("node", block, {"long_name": "state block (Wilson–Cowan: 0 = x, 1 = y)"})},
        attrs={"title": f"linear noise approximation of {model.name}", "model": model.name, "method": method,
               "dt": float(dt) if not model.discrete else 1.0,
               "noise": json.dumps(None if nm is None else nm.to_json()),
               "phi_cond": float(c.condition), "note": note,
               "equations": "docs/science/stochastic.md (L3)-(L5)"})


def fitted_model(clf):
    """The model, trained parameters, time step and coupling of a fitted classifier (raises if unfitted)."""
    from sklearn.utils.validation import check_is_fitted
    check_is_fitted(clf)
    return clf.model_, clf.params_, clf.dt_, clf.coupling_


def lna(clf, method="discrete", errors="raise", max_cond=1e8):
    r"""LNA of a fitted :class:`~snt.classify.AttractorClassifier`: per class 𝒩(x*_k, C_k).

    See ``lna_model`` (the classifier supplies the model, its noise, the trained parameters and
    :math:`\Delta t`) and docs/science/stochastic.md (L3)-(L5).

    Examples
    --------
    >>> from snt import classify
    >>> X, y, _, _ = classify.load_dataset("digits")
    >>> clf = classify.AttractorClassifier(model="sa-node", noise="additive", sigma=0.05, n_nodes=64,
    ...                                    optimizer="adam", maxiter=1, seed=0).fit(X, y)
    >>> ds = classify.lna(clf)
    >>> ds.covariance.dims
    ('class', 'node', 'node2')
    """
    model, params, dt, c = fitted_model(clf)
    return lna_model(model, params, dt, method=method, errors=errors, max_cond=max_cond, coupling=c)
