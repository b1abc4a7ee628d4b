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


OBJECTS = [
    (snt.Ensemble(N=300, J=0.8, Jbar=0.2, g=1.5), lambda s: ensembles.iid(300, 0.8, 0.2, seed=s)),
    (ensembles.Correlated(N=300, J=1.2, eta=0.5, g=0.7), lambda s: ensembles.correlated(300, 1.2, 0.5, seed=s)),
    (ensembles.Sparse(N=300, K=100, J=1.0, Jbar=2.5), lambda s: ensembles.sparse(300, 100, 1.0, 2.5, seed=s)),
    (ensembles.Dale(N=300, frac_exc=0.75, J=0.9), lambda s: ensembles.dale(300, 0.75, 0.9, seed=s)),
]


@pytest.mark.parametrize("ens,draw", OBJECTS, ids=lambda x: type(x).__name__)
def test_ensemble_objects_sample_their_function_with_child_0(ens, draw):
    from snt._seeds import as_seed_sequence, child

    net = ens.replace(theta_mean=0.1, theta_std=0.3, sigma=0.2).sample(seed=5)
    np.testing.assert_array_equal(net.J, draw(child(as_seed_sequence(5), 0)))  # the old call form, same J
    assert net.sigma == 0.2 and abs(net.theta.mean() - 0.1) < 5 * 0.3 / np.sqrt(300)
    assert not net.J.flags.writeable
    np.testing.assert_array_equal(ens.sample(seed=5).J, net.J)  # thresholds' law does not move J
    assert net.origin["seed_entropy"] == "5" and net.origin["law"] == ens.spectral_law()
    with pytest.raises(TypeError, match="unknown parameter"):
        ens.replace(colour=1)


@pytest.mark.parametrize("ens,draw", OBJECTS, ids=lambda x: type(x).__name__)
def test_coupling_spectrum_overlays_the_ensembles_law(ens, draw):
    law = ens.spectral_law()
    spec = snt.coupling_spectrum(ens.replace(N=N).sample(seed=3))
    assert float(spec.radius) == law["radius"] and float(spec.eta) == law["eta"]
    bulk = spec.eigenvalue.values[~spec.outside.values]
    # E4 at N = 1000: the bulk fills its ellipse up to a few % and at most a handful of eigenvalues sit outside
    a, b = law["radius"] * (1 + law["eta"]), law["radius"] * (1 - law["eta"])
    assert abs(np.abs(bulk.real).max() / a - 1) < 0.08 and abs(np.abs(bulk.imag).max() / b - 1) < 0.08
    assert int(spec.outside.sum()) <= (1 if abs(law["outlier"]) > law["radius"] else 0) + 3
    if abs(law["outlier"]) > law["radius"]:
        assert abs(float(spec.predicted_outlier) - law["outlier"]) < 1e-12
        assert np.min(np.abs(spec.eigenvalue.values - law["outlier"])) < 0.15


def test_populations_object_and_its_law():
    pops = ensembles.Populations(fractions=[0.6, 0.4], J=[[1.0, 0.5], [1.5, 0.8]], Jbar=0.0, N=N)
    assert pops is snt.meanfield.Populations or isinstance(pops, snt.meanfield.Populations)
    spec = snt.coupling_spectrum(pops.sample(seed=6))
    predicted = ensembles.population_radius([600, 400], [[1.0, 0.5], [1.5, 0.8]])
    assert float(spec.radius) == pytest.approx(predicted, rel=1e-12)
    assert abs(float(spec.spectral_radius) / predicted - 1) < 0.06


def test_meanfield_route_or_a_refusal_naming_what_is_missing():
    sparse = ensembles.Sparse(N=400, K=40, J=1.0, Jbar=0.3, g=1.8, gamma=0.2)
    direct = snt.meanfield.stationary(snt.Ensemble(N=400, J=1.0, Jbar=0.3, g=1.8, gamma=0.2))
    via = snt.meanfield.stationary(sparse)  # the K -> infinity theory is the iid one
    assert float(via.v) == float(direct.v) and float(via.lambda_max) == float(direct.lambda_max)
    assert ensembles.Correlated(N=10, eta=0.0).meanfield() == snt.Ensemble(N=10)
    for ens, words in [(ensembles.Correlated(N=50, eta=0.4), "reciprocal correlations"),
                       (ensembles.Dale(N=50), "balanced-state")]:
        with pytest.raises(TypeError, match=f"no theory for {type(ens).__name__}.*{words}.*missing"):
            snt.meanfield.stationary(ens)


def test_sample_refuses_a_J_that_does_not_fit_in_memory(monkeypatch):
    import snt._memory

    monkeypatch.setattr(snt._memory, "available_bytes", lambda: 4 * 2**20)  # pretend 4 MiB are free
    for call in (lambda: snt.Ensemble(N=1000).sample(seed=1), lambda: ensembles.dale(1000, seed=1),
                 lambda: ensembles.Correlated(N=1000).sample(seed=1)):
        with pytest.raises(MemoryError, match=r"N = 1000 needs 0\.0 GiB for J; this machine has 0\.0 GiB"):
            call()
    net = snt.Ensemble(N=100).sample(seed=1)
    with pytest.raises(MemoryError, match=r"trials = 64, steps = 1000000.*for the recorded arrays"):
        snt.simulate(net, 10**6, trials=64)


@pytest.mark.parametrize("make", [lambda: snt.Ensemble(N=1500).sample(seed=1),
                                  lambda: ensembles.Correlated(N=1500, eta=0.3).sample(seed=1),
                                  lambda: ensembles.Dale(N=1500).sample(seed=1)])
def test_J_is_drawn_without_a_second_full_size_copy(make):
    import tracemalloc

    size = 8 * 1500**2
    tracemalloc.start()
    net = make()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert net.J.nbytes == size
    # the matrix itself plus working blocks and a boolean finiteness mask (1/8 of J)
    assert peak < 1.3 * size, f"peak {peak / size:.2f} x the size of J"
