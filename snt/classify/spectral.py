r"""Spectral parametrisation of a coupling matrix, :math:`A = \Phi \Lambda \Phi^{-1}`.

The coupling operator of every planted-attractor classifier is never a free matrix. It is built from its
eigen-decomposition

.. math::

    A = \Phi\,\Lambda\,\Phi^{-1}, \qquad
    \Phi = [\,\Phi_\mathrm{tr} \mid \Phi_\mathrm{fix}\,], \qquad
    \Lambda = \mathrm{diag}(\lambda_\mathrm{tr}, \lambda_\mathrm{fix}\mathbf 1_K),

where the :math:`K` columns of :math:`\Phi_\mathrm{fix}` span the planted class patterns and carry a fixed
eigenvalue :math:`\lambda_\mathrm{fix}`, and the :math:`N-K` columns of :math:`\Phi_\mathrm{tr}` and their
eigenvalues :math:`\lambda_\mathrm{tr}` are trained. Because the trained part never touches
:math:`\mathrm{span}\,\Phi_\mathrm{fix}`, :math:`A v = \lambda_\mathrm{fix} v` for every :math:`v` in that
span, whatever the trained parameters are; this is what keeps the planted patterns exact fixed points.

Reverse mode. Given :math:`G = \partial L/\partial A` and :math:`\Psi = \Phi^{-1}`,

.. math::

    \tilde G = \Phi^\top G\,\Psi^\top, \qquad
    \frac{\partial L}{\partial \lambda_k} = \tilde G_{kk}, \qquad
    \frac{\partial L}{\partial \Phi} = \Psi^\top\bigl[\tilde G_{ij}(\lambda_j - \lambda_i)\bigr],

which follows from :math:`dA = \Phi\,d\Lambda\,\Psi + d\Phi\,\Lambda\,\Psi - A\,d\Phi\,\Psi`.
With :math:`H = G\Psi^\top` (one triangular solve) and :math:`\Psi^\top\Lambda\Phi^\top = A^\top` this is computed as

.. math::

    \frac{\partial L}{\partial \lambda_k} = \sum_i \Phi_{ik} H_{ik}, \qquad
    \frac{\partial L}{\partial \Phi} = H\Lambda - A^\top H ,

two :math:`O(N^3)` operations instead of four.

References
----------
.. [1] L. Giambagli, L. Buffoni, T. Carletti, W. Nocentini, D. Fanelli, "Machine learning in spectral
       domain", Nat. Commun. 12, 1330 (2021).
.. [2] R. Marino, L. Buffoni, L. Chicchi, L. Giambagli, D. Fanelli, "Stable attractors for neural
       networks classification via ordinary differential equations (SA-nODE)", arXiv:2311.10387.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

__all__ = ["SpectralCoupling", "orthogonal_columns", "orthogonality_penalty"]


def orthogonal_columns(n_rows, n_cols, gain, rng):
    r"""Random matrix with orthonormal columns times ``gain``.

    Parameters
    ----------
    n_rows, n_cols : int
        Shape of the result, ``n_cols <= n_rows``.
    gain : float
        Scale of the columns (1.15 in SA-nODE and Wilson–Cowan, 1.3 in CVFR).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Q : (n_rows, n_cols) float64
        :math:`Q^\top Q = \mathrm{gain}^2 I`, Haar distributed (QR of a Gaussian matrix with the signs of
        :math:`\mathrm{diag}\,R` absorbed).
    """
    z = rng.standard_normal((n_rows, n_cols))
    q, r = np.linalg.qr(z)
    q *= np.sign(np.diag(r))
    return gain * q


def orthogonality_penalty(phi, factor):
    r"""Mean absolute cosine between the columns of ``phi`` and its (sub)gradient.

    .. math::

        R(\Phi) = \frac{\mathrm{factor}}{M(M-1)} \sum_{i \neq j} |\hat u_i^\top \hat u_j|,
        \qquad \hat u_i = u_i / \lVert u_i \rVert ,

    with :math:`M` columns :math:`u_i`. The gradient uses :math:`\mathrm{sign}(\cdot)` and is
    :math:`\partial R/\partial u_i = (I - \hat u_i \hat u_i^\top)\,(\partial R/\partial \hat u_i)/\lVert u_i\rVert`
    with :math:`\partial R/\partial \hat U = \tfrac{2\,\mathrm{factor}}{M(M-1)}\hat U S`,
    :math:`S = \mathrm{sign}(\hat U^\top \hat U)` with zero diagonal.

    Parameters
    ----------
    phi : (N, M) float64
        Columns to regularise.
    factor : float
        Weight (0.01 in SA-nODE and Wilson–Cowan, 0.004 in CVFR).

    Returns
    -------
    value : float
    grad : (N, M) float64
    """
    m = phi.shape[1]
    if m < 2 or factor == 0.0:
        return 0.0, np.zeros_like(phi)
    norms = np.sqrt(np.einsum("ij,ij->j", phi, phi))
    u = phi / norms
    c = u.T @ u
    np.fill_diagonal(c, 0.0)
    scale = factor / (m * (m - 1))
    value = scale * np.abs(c).sum()
    s = np.sign(c)
    g_hat = 2.0 * scale * (u @ s)
    radial = np.einsum("ij,ij->j", u, g_hat)
    grad = (g_hat - u * radial) / norms
    return float(value), grad


@dataclass(frozen=True)
class SpectralCoupling:
    r"""The matrix :math:`A = \Phi\Lambda\Phi^{-1}` for one value of the trained parameters.

    Parameters
    ----------
    phi_tr : (N, N-K) float64
        Trained eigenvectors.
    lam_tr : (N-K,) float64
        Trained eigenvalues.
    phi_fix : (N, K) float64
        Fixed eigenvectors spanning the planted patterns.
    lam_fix : float
        Eigenvalue shared by the fixed directions.

    dtype : {numpy.float64, numpy.float32}
        Precision of :math:`A` and of :meth:`backward` (float32 halves the cost of the :math:`O(N^3)`
        work per mini-batch; used when training float32 models, whose dynamics are float32 anyway).

    Attributes
    ----------
    A : (N, N) ndarray of ``dtype``
        The coupling matrix.
    """

    phi_tr: np.ndarray
    lam_tr: np.ndarray
    phi_fix: np.ndarray
    lam_fix: float
    dtype: type = np.float64

    def __post_init__(self):
        n, m = self.phi_tr.shape
        if self.phi_fix.shape[0] != n or m + self.phi_fix.shape[1] != n:
            raise ValueError(
                f"phi_tr {self.phi_tr.shape} and phi_fix {self.phi_fix.shape} must stack to a square matrix"
            )
        if self.lam_tr.shape != (m,):
            raise ValueError(f"lam_tr must have shape ({m},), got {self.lam_tr.shape}")
        d = np.dtype(self.dtype)
        if d not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}")
        phi = np.concatenate([self.phi_tr, self.phi_fix], axis=1).astype(d, copy=False)
        lam = np.concatenate([self.lam_tr, np.full(self.phi_fix.shape[1], float(self.lam_fix))]).astype(d)
        lu = scipy.linalg.lu_factor(phi, check_finite=True)
        # A Phi = Phi Lambda  <=>  Phi^T A^T = (Phi Lambda)^T
        a = scipy.linalg.lu_solve(lu, (phi * lam).T, trans=1).T
        object.__setattr__(self, "phi", phi)
        object.__setattr__(self, "lam", lam)
        object.__setattr__(self, "_lu", lu)
        object.__setattr__(self, "A", a)
        object.__setattr__(self, "eigenvalues", lam)        # the spectrum of A (a subclass may refine it)

    @property
    def condition(self):
        """2-norm condition number of :math:`\\Phi` (watch it: nothing but the regulariser bounds it)."""
        return float(np.linalg.cond(self.phi))

    def backward(self, G):
        r"""Map :math:`G = \partial L/\partial A` to the gradients of the spectral parameters.

        Parameters
        ----------
        G : (N, N) array
            Gradient of the loss with respect to ``A``.

        Returns
        -------
        d_phi_tr : (N, N-K) float64
        d_lam_tr : (N-K,) float64
        d_lam_fix : float
            :math:`\sum_{k \in \mathrm{fix}} \tilde G_{kk}`, the derivative with respect to the shared fixed
            eigenvalue (used when it depends on a trained scalar, as in the SNT map).
        """
        G = np.asarray(G, dtype=self.phi.dtype)
        m = self.phi_tr.shape[1]
        # H = G Psi^T = (Psi G^T)^T = (Phi^{-1} G^T)^T
        h = scipy.linalg.lu_solve(self._lu, G.T).T
        d_lam = np.einsum("ij,ij->j", self.phi, h, dtype=np.float64)
        h_tr = np.ascontiguousarray(h[:, :m])
        d_phi = h_tr * self.lam[:m] - self.A.T @ h_tr
        return d_phi.astype(np.float64), d_lam[:m], float(d_lam[m:].sum())
