"""Coupling ensembles: entry statistics and spectra against the laws of SCIENCE.md E4."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import snt
from snt import ensembles

N = 1000


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Eigenvalues of N = 1000 matrices on one BLAS thread: on a busy 2-core machine a two-thread LAPACK call
    is several times slower (as in test_stability)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _eig(J):
    return np.linalg.eigvals(J)


def test_iid_statistics_and_circular_law():
    J = ensembles.iid(N, 1.3, seed=1)
    # N^2 = 1e6 entries: the sample variance is within 0.5 % (5 sigma of sqrt(2/1e6)) of J^2/N
    assert abs(J.var() * N / 1.3**2 - 1) < 0.007
    assert abs(J.mean()) < 5 * 1.3 / N
    ev = _eig(J)
    # circular law: bulk radius J; the largest modulus at N = 1000 exceeds J by a few % at most
    assert 0.97 * 1.3 < np.abs(ev).max() < 1.06 * 1.3
    assert np.mean(np.abs(ev) < 1.3 * 1.02) > 0.99
    # uniform density in the disc: the fraction inside radius J/2 is 1/4
    assert abs(np.mean(np.abs(ev) < 1.3 / 2) - 0.25) < 0.03


def test_mean_gives_one_outlier_at_jbar():
    J = ensembles.iid(N, 1.0, Jbar=3.0, seed=2)
    ev = _eig(J)
    order = np.argsort(-np.abs(ev))
    assert abs(ev[order[0]] - 3.0) < 0.15  # outlier at Jbar + O(N^-1/2)
    assert np.abs(ev[order[1]]) < 1.06  # the rest stays in the unit disc


def test_ensemble_sample_matches_its_law_and_separates_streams():
    ens = snt.Ensemble(N=500, J=0.8, Jbar=0.4, theta_mean=0.3, theta_std=0.5, g=1.5, gamma=0.2, sigma=0.1)
    net = ens.sample(seed=3)
    assert net.N == 500 and net.g == 1.5 and net.gamma == 0.2 and net.sigma == 0.1
    assert abs(net.J.mean() * 500 - 0.4) < 5 * 0.8 / 500 * 500 / 500**0.5
    assert abs(net.theta.mean() - 0.3) < 5 * 0.5 / np.sqrt(500)
    # J depends on the seed only, not on the thresholds' law
    other = ens.replace(theta_std=0.0).sample(seed=3)
    np.testing.assert_array_equal(net.J, other.J)
    assert not np.array_equal(ens.sample(seed=4).J, net.J)
    assert net.origin["ensemble"]["J"] == 0.8 and net.origin["seed_entropy"] == "3"


@pytest.mark.parametrize("eta", [-0.5, 0.0, 0.6])
def test_correlated_symmetry_and_elliptic_law(eta):
    J = ensembles.correlated(N, 1.0, eta, seed=4)
    iu = np.triu_indices(N, 1)
    # ~5e5 pairs: the correlation estimate has standard error ~1.4e-3
    assert abs(np.corrcoef(J[iu], J.T[iu])[0, 1] - eta) < 0.01
    assert abs(J[iu].var() * N - 1) < 0.01
    ev = _eig(J)
    # elliptic law: semi-axes 1 + eta (real) and 1 - eta (imaginary), edges within a few %
    assert abs(np.abs(ev.real).max() / (1 + eta) - 1) < 0.06
    assert abs(np.abs(ev.imag).max() / (1 - eta) - 1) < 0.06
    assert np.all((ev.real / (1 + eta)) ** 2 + (ev.imag / (1 - eta)) ** 2 < 1.1)


def test_populations_blocks_and_radius():
    sizes = [600, 400]
    Jab = [[1.0, 0.5], [1.5, 0.8]]
    Jbar = [[0.5, -1.0], [0.2, 0.0]]
    J = ensembles.populations(sizes, Jab, Jbar, seed=5)
    blocks = {(0, 0): J[:600, :600], (0, 1): J[:600, 600:], (1, 0): J[600:, :600], (1, 1): J[600:, 600:]}
    for (a, b), block in blocks.items():
        assert abs(block.var() * N / Jab[a][b] ** 2 - 1) < 0.02
        assert abs(block.mean() * N - Jbar[a][b]) < 5 * Jab[a][b] / np.sqrt(block.size) * N / N**0.5 + 0.05
    # E4: radius^2 = top eigenvalue of alpha_b J_ab^2 (the mean part adds outliers, so check with Jbar = 0)
    J0 = ensembles.populations(sizes, Jab, 0.0, seed=6)
    predicted = ensembles.population_radius(sizes, Jab)
    M = np.array(Jab) ** 2 * (np.array(sizes) / N)[None, :]
    assert np.isclose(predicted, np.sqrt(np.max(np.linalg.eigvals(M).real)))
    assert abs(np.abs(_eig(J0)).max() / predicted - 1) < 0.06
    # one population is the iid ensemble
    np.testing.assert_allclose(ensembles.populations([N], 1.0, seed=7).var() * N, 1.0, atol=0.01)


def test_sparse_in_degree_and_radius():
    J = ensembles.sparse(N, 50, 1.0, seed=8)
    nonzero = J != 0
    assert np.all(nonzero.sum(axis=1) == 50) and not np.any(np.diag(nonzero))
    assert abs(J[nonzero].var() * 50 - 1) < 0.03
    assert abs(np.abs(_eig(J)).max() - 1) < 0.08


def test_dale_signs_balance_and_radius():
    J = ensembles.dale(N, 0.8, 1.0, seed=9)
    assert np.all(J[:, :800] >= 0) and np.all(J[:, 800:] <= 0)
    np.testing.assert_allclose(J.sum(axis=1), 0, atol=1e-12)
    # variance about each population's mean (the bulk's law), weighted by the fractions: J^2/N
    within = 0.8 * J[:, :800].var() + 0.2 * J[:, 800:].var()
    assert abs(within * N - 1) < 0.05
    assert abs(np.abs(_eig(J)).max() - 1) < 0.1  # balanced rows: radius J (Rajan & Abbott)


@pytest.mark.parametrize("call,exc,words", [
    (lambda: ensembles.iid(0), ValueError, "N"),
    (lambda: ensembles.iid(10, J=-1), ValueError, "J"),
    (lambda: ensembles.correlated(10, eta=1.5), ValueError, "eta"),
    (lambda: ensembles.sparse(10, 10), ValueError, "K"),
    (lambda: ensembles.dale(10, 1.0), ValueError, "frac_exc"),
    (lambda: ensembles.dale(10, 0.01), ValueError, "no excitatory"),
    (lambda: ensembles.populations([5, 5], np.ones((3, 3))), ValueError, "shape"),
    (lambda: ensembles.populations([], 1.0), ValueError, "at least one"),
    (lambda: snt.Ensemble(N=10, transfer="sigmoid"), ValueError, "transfer"),
])
def test_bad_input(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
