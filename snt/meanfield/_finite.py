r"""The mean-field Lyapunov exponent of a fixed point at a finite network size N (SCIENCE.md §4, E11).

At a fixed point u* of one network, λ = ln ρ(DF(u*)) with :math:`DF = \gamma I + J\,\mathrm{diag}(f'(u^*))`.
The mean field gives its N -> ∞ limit, :math:`e^{\lambda_{MF}} = \gamma + J\sqrt{\langle f'^2\rangle}` (the edge of
the disc of :math:`J\,\mathrm{diag}(f')`). At a finite N the edge is an extreme value carried by the units with a
large slope: with the participation number

.. math:: N_\mathrm{eff} = N \frac{\langle f'^2\rangle^2}{\langle f'^4\rangle}

(N when every slope is the same; a few percent of N at a saturated state, where the few units near u = 0
carry ⟨f'²⟩), the network-to-network spread of λ is of order :math:`1/\sqrt{N_\mathrm{eff}}`. Its part from the
sampling of ⟨f'²⟩ over N units alone is, to first order,

.. math:: s_\mathrm{sample} = \frac{c}{2}\sqrt{\frac{1}{N_\mathrm{eff}} - \frac 1N},\qquad
          c = \frac{J\sqrt{\langle f'^2\rangle}}{\gamma + J\sqrt{\langle f'^2\rangle}}

and the edge of a matrix with :math:`N_\mathrm{eff}` effective columns adds its own. :func:`finite_size_lambda`
samples the whole law: the mean-field fixed point at size N, u_i ~ N(m*, v*) independent of the couplings
:math:`J_{ij} \sim \mathcal N(\bar J/N, J^2/N)` (the mean-field assumption), and returns the distribution of
ln ρ(γI + J diag(f'(u))) over ``draws`` such matrices.
"""

from typing import Any

import numpy as np
import xarray as xr

from .._checks import check_float, check_int
from .._seeds import as_seed_sequence, children, describe
from .._transfer import apply_slope
from .._transfer_codes import TRANSFER_CODES
from .._typing import SeedLike
from ..results import coord, provenance

#: Columns whose slope is below this fraction of the root-mean-square slope are left out of the sampled
#: matrix: together they have a norm of at most about (2 J + |J̄|) x cutoff x rms(f'), a fraction
#: (2 + |J̄|/J) x cutoff of the edge; measured, they move λ by < 1e-4 (SCIENCE.md §4).
CUTOFF = 1e-3


#: Trapezoid step of the slope moments (fine: f'^4 of a steep transfer is narrow in u).
SLOPE_STEP = 0.002


def participation(N, d2, d4):
    """N_eff = N <f'^2>^2 / <f'^4> (N when f' is the same for every unit); NaN where <f'^4> = 0."""
    d2 = np.asarray(d2, dtype=float)
    d4 = np.asarray(d4, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d4 > 0, N * d2 * d2 / np.where(d4 > 0, d4, 1.0), np.nan)


def sampling_spread(N, J, gamma, d2, d4):
    """The closed-form spread of λ from the sampling of <f'^2> over N units (module docstring): c/2
    sqrt(1/N_eff - 1/N), c = J sqrt(<f'^2>) / (gamma + J sqrt(<f'^2>))."""
    n_eff = float(participation(N, d2, d4))
    if not n_eff > 0:
        return np.nan
    edge = J * np.sqrt(d2)
    c = edge / (gamma + edge)
    return float(0.5 * c * np.sqrt(max(1.0 / n_eff - 1.0 / N, 0.0)))


def slope_moments(m, v, g, code, z, w):
    """(<f'^2>, <f'^4>) for u ~ N(m, v) on the quadrature grid (z, w)."""
    d = apply_slope(np.ascontiguousarray(m + np.sqrt(max(v, 0.0)) * z), g, code)
    d2 = d * d
    return float(w @ d2), float(w @ (d2 * d2))


def sample_lambda(N, J, Jbar, gamma, g, code, m, v, seeds, cutoff=CUTOFF):
    """ln ρ(γI + J diag(f'(u))) for each seed: u_i ~ N(m, v), J_ij ~ N(J̄/N, J²/N), i, j over the N units
    (columns with a slope below ``cutoff`` x rms slope left out). Returns (λ per draw, columns kept per draw)."""
    lam = np.empty(len(seeds))
    kept = np.empty(len(seeds), dtype=np.int64)
    for k, s in enumerate(seeds):
        rng = np.random.default_rng(s)
        u = m + np.sqrt(v) * rng.standard_normal(N)
        d = apply_slope(u, g, code)
        rms = float(np.sqrt(np.mean(d * d)))
        keep = d > cutoff * rms
        n = int(keep.sum())
        kept[k] = n
        if n == 0:
            lam[k] = np.log(gamma) if gamma > 0 else -np.inf
            continue
        X = rng.standard_normal((n, n))
        X *= J / np.sqrt(N)
        X += Jbar / N
        X *= d[keep][None, :]
        mu = np.linalg.eigvals(X)
        rho = max(gamma, float(np.max(np.abs(gamma + mu))))
        lam[k] = np.log(rho) if rho > 0 else -np.inf
    return lam, kept


def finite_size_lambda(ens: Any, state: xr.Dataset | None = None, *, draws: int = 64,
                       seed: SeedLike = 0) -> xr.Dataset:
    r"""Distribution of the Lyapunov exponent of a fixed point over networks of size ``ens.N``.

    Parameters
    ----------
    ens : snt.Ensemble
        iid Gaussian couplings (:func:`snt.ensembles.iid`), one population; its size N is ``ens.N``.
    state : xarray.Dataset, optional
        ``snt.meanfield.stationary(ens)`` (or with another ``m0``); default: solved here from m0 = 0.
        Its state must be a fixed point.
    draws : int
        Sampled matrices, ``draws >= 8``. The spread's relative error is about :math:`1/\sqrt{2\,draws}`.
    seed : int, SeedSequence, Generator or None
        Seeds the draws (child k draws matrix k), so the result is reproducible.

    Returns
    -------
    xarray.Dataset
        ``lambda_max`` (draw) ln ρ(γI + J diag(f'(u))) of each sampled matrix; ``lambda_max_mean``,
        ``lambda_max_std``, ``lambda_max_low`` and ``lambda_max_high`` (2.5 % and 97.5 % quantiles) over the
        draws; ``lambda_mf`` the N -> ∞ value (``state.lambda_max``); ``effective_units`` N_eff =
        N <f'²>²/<f'⁴>; ``lambda_sampling_std`` the closed-form spread from the sampling of <f'²> alone
        (module docstring); ``columns`` (draw) columns kept in each matrix.

    Notes
    -----
    λ_MF is the limit N -> ∞ of ln ρ(DF(u*)). At a finite N the spectral edge of J diag(f'(u*)) is carried by
    about N_eff units, so λ of one network scatters around it by ~ 1/√N_eff: at a saturated ferromagnetic
    state (J = 1.5, J̄ = 3, θ̄ = 0.5, g = 2, γ = 0; N_eff = 0.021 N) the standard deviation of λ is 0.24 at
    N = 500, 0.12 to 0.17 at N = 1000 and 0.07 at N = 4000 (SCIENCE.md §4), while λ_MF = −1.050 is the mean
    within 0.05. Each draw costs one eigenvalue problem of the kept columns (at most N).

    Examples
    --------
    >>> import snt
    >>> ens = snt.Ensemble(N=400, J=1.5, Jbar=3.0, theta_mean=0.5, g=2.0)
    >>> st = snt.meanfield.stationary(ens, m0=-3.0)
    >>> fs = snt.meanfield.finite_size_lambda(ens, st, draws=16, seed=1)
    >>> bool(fs.lambda_max_std > fs.lambda_sampling_std > 0)
    True
    """
    from ..ensembles import Ensemble
    from ._theory import stationary
    if type(ens) is not Ensemble:
        raise TypeError(f"ens must be an snt.Ensemble (iid Gaussian couplings, one population), got "
                        f"{type(ens).__name__}")
    draws = check_int(draws, "draws", minimum=8)
    if state is None:
        state = stationary(ens)
    if not isinstance(state, xr.Dataset) or "regime" not in state:
        raise TypeError("state must be the Dataset of snt.meanfield.stationary(ens)")
    if str(state.regime.values) != "fixed point":
        raise ValueError(f"state is {str(state.regime.values)!r}: the finite-size law of lambda is computed "
                         f"for a fixed point only (ln rho of one Jacobian)")
    m = check_float(float(state.m), "state.m")
    v = check_float(float(state.v), "state.v", minimum=0.0)
    N = ens.N
    code = TRANSFER_CODES[ens.transfer]
    root = as_seed_sequence(seed)
    lam, kept = sample_lambda(N, ens.J, ens.Jbar, ens.gamma, ens.g, code, m, v, children(root, draws))
    from ._gauss import grid
    z, w = grid(SLOPE_STEP, 9.0)
    d2, d4 = slope_moments(m, v, ens.g, code, z, w)
    n_eff = float(participation(N, d2, d4))
    s_sample = sampling_spread(N, ens.J, ens.gamma, d2, d4)
    U = {"units": "1/step"}
    data = {
        "lambda_max": (("draw",), lam, {"long_name": "ln rho(gamma I + J diag(f'(u))) of a sampled size-N "
                                                     "Jacobian at the mean-field fixed point", **U}),
        "lambda_max_mean": ((), float(np.mean(lam)), {"long_name": "mean of lambda_max over the draws", **U}),
        "lambda_max_std": ((), float(np.std(lam, ddof=1)), {"long_name": "standard deviation of lambda_max "
                                                                          "over the draws", **U}),
        "lambda_max_low": ((), float(np.quantile(lam, 0.025)), {"long_name": "2.5 % quantile of lambda_max", **U}),
        "lambda_max_high": ((), float(np.quantile(lam, 0.975)), {"long_name": "97.5 % quantile of lambda_max",
                                                                  **U}),
        "lambda_mf": ((), float(state.lambda_max), {"long_name": "mean-field lambda_max (N -> infinity)", **U}),
        "effective_units": ((), n_eff, {"long_name": "participation number N <f'^2>^2 / <f'^4>", "units": "1"}),
        "lambda_sampling_std": ((), float(s_sample), {"long_name": "closed-form spread of lambda from the "
                                                                   "sampling of <f'^2> over N units", **U}),
        "columns": (("draw",), kept, {"long_name": "columns kept in the sampled matrix (slope above "
                                                   f"{CUTOFF:g} x rms slope)", "units": "1"}),
    }
    attrs = provenance("Finite-size law of the fixed point's Lyapunov exponent",
                       "u_i ~ N(m*, v*) of the mean field, J_ij ~ N(Jbar/N, J^2/N) independent of u; "
                       "lambda = ln rho(gamma I + J diag(f'(u))) by LAPACK eigenvalues (SCIENCE.md §4)",
                       {"model": ens.params(), "N": N, "draws": draws, "cutoff": CUTOFF}, describe(root))
    return xr.Dataset(data, coords={"draw": coord("draw", np.arange(draws))}, attrs=attrs)
