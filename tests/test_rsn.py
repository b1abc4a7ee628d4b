"""RSN and ℂ-RSN: planted memory, exact gradients, closed forms of the linear phase, sequential insertion,
the estimator."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from snt.classify import AttractorClassifier, ComplexRSN, RSN, sequential_insertion
from snt.classify.base import Params
from snt.classify.objective import Objective, pack


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Products of 10 x 10 matrices: threads only add overhead (tens of ms per LU solve on a loaded machine)."""
    with threadpool_limits(1, user_api="blas"):
        yield


def _params(m, seed, lam=None):
    rng = np.random.default_rng(seed)
    p = m.init_params(rng)
    # move Phi_tr off the orthonormal start, where the mean-|cos| penalty sits on its kinks
    phi = p.phi_tr + 0.05 * rng.standard_normal(p.phi_tr.shape)
    return Params(phi, p.lam_tr if lam is None else np.asarray(lam, float), 0.0)


def _items(m, n, seed):
    X = np.zeros((n, m.n_nodes))
    X[:, :m.n_input] = np.random.default_rng(seed).random((n, m.n_input)) * 2.0
    return X


@pytest.mark.parametrize("cls", [RSN, ComplexRSN])
@pytest.mark.parametrize("loss", ["mse", "xent"])
@pytest.mark.parametrize("steps", [0, 3])
def test_gradient_matches_central_differences(cls, loss, steps):
    m = cls(10, 3)
    m.loss = loss
    th = pack(m, _params(m, 0))
    X = _items(m, 6, 1)
    Y = np.array([0, 1, 2, 0, 1, 2])
    obj = Objective(m, X, Y, steps, 1.0)
    _, g = obj(th)
    gn = np.empty_like(th)
    eps = 1e-6
    for i in range(len(th)):
        d = np.zeros_like(th)
        d[i] = eps
        gn[i] = (obj(th + d)[0] - obj(th - d)[0]) / (2 * eps)
    assert np.linalg.norm(g - gn) / np.linalg.norm(gn) < 1e-6


@pytest.mark.parametrize("cls", [RSN, ComplexRSN])
def test_memory_is_planted_exactly(cls):
    m = cls(12, 3)
    p = _params(m, 2)
    A = m.coupling(p).A
    ni = m.n_input
    np.testing.assert_allclose(A[:ni, ni:], 0.0, atol=1e-13)           # memory never feeds the input nodes
    np.testing.assert_allclose(A[ni:, ni:], m.memory_block(), atol=1e-13)
    assert m.residuals(p).max() < 1e-13
    ev = np.linalg.eigvals(A)
    mem = np.linalg.eigvals(m.memory_block())
    for mu in mem:
        assert np.min(np.abs(ev - mu)) < 1e-10
    np.testing.assert_allclose(np.abs(mem), 1.0)


@pytest.mark.parametrize("cls", [RSN, ComplexRSN])
def test_linear_phase_closed_form_and_rate(cls):
    """x_{t_NL+s} = E_mem R^s z + Phi_tr Lambda^s Psi_tr x; the distance to the memory orbit decays as max|lambda|^s."""
    m = cls(10, 2)
    n_tr = m.n_nodes - m.n_memory
    lam = np.linspace(-0.5, 0.5, n_tr)
    lam[3] = 0.9                                                         # a single largest non-memory |lambda|
    p = _params(m, 3, lam)
    c = m.coupling(p)
    x0 = m.forward(c.A, 0.0, _items(m, 1, 4), 4)[-1]                  # after the nonlinear phase
    S = m.relax(c.A, x0, 60)[:, 0]
    z, _ = m.memory_coordinates(c, x0)
    psi = np.linalg.inv(c.phi)
    R = m.memory_block()
    ni = m.n_input
    errs = []
    for s in (0, 1, 7, 60):
        orbit = np.zeros(m.n_nodes)
        orbit[ni:] = np.linalg.matrix_power(R, s) @ z[0]
        closed = orbit + p.phi_tr @ (lam ** s * (psi[:n_tr] @ x0[0]))
        np.testing.assert_allclose(S[s], closed, atol=1e-11 * np.abs(S).max())
    orbit = np.stack([np.concatenate([np.zeros(ni), np.linalg.matrix_power(R, s) @ z[0]]) for s in range(61)])
    errs = np.linalg.norm(S - orbit, axis=1)
    ratio = errs[41:61] / errs[40:60]
    # the next |lambda| is 0.5: the ratio reaches 0.9 up to (0.5/0.9)^40 ~ 6e-11
    np.testing.assert_allclose(ratio, 0.9, rtol=1e-6)
    assert m.growth_rates(p)[0] == pytest.approx(np.log(0.9))


def test_crsn_memory_part_is_exactly_periodic():
    m = ComplexRSN(12, 3, frequencies=(0.3, 1.1, 2.0))
    p = _params(m, 5)
    c = m.coupling(p)
    x0 = m.forward(c.A, 0.0, _items(m, 2, 6), 5)[-1]
    S = m.relax(c.A, x0, 40)
    z = np.stack([m.memory_coordinates(c, S[s])[0] for s in range(41)])     # (time, item, 2K)
    ca = m.complex_amplitudes(z.reshape(-1, z.shape[-1])).reshape(41, 2, 3)
    # every mode keeps its amplitude and turns by omega_k per step, to rounding
    np.testing.assert_allclose(np.abs(ca), np.abs(ca[:1]) * np.ones((41, 1, 1)), rtol=1e-10)
    turn = np.angle(ca[1:] / ca[:-1])
    np.testing.assert_allclose(turn, np.broadcast_to(m.frequencies, turn.shape), atol=1e-10)
    np.testing.assert_allclose(m.readout(z[-1]), m.readout(z[0]), rtol=1e-10)
    # the memory nodes themselves approach this orbit (the rate is tested above)
    late = S[-1][:, m.n_input:]
    np.testing.assert_allclose(late, z[-1], atol=1e-6 * np.abs(z).max())



@pytest.fixture(scope="module")
def crsn_fit(digits):
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model="c-rsn", optimizer="adam", maxiter=10, batch_size=32, loss="xent", lr=1e-2,
                              seed=0).fit(X[:500], y[:500])
    return clf


def test_crsn_estimator_fit_predict_roundtrip(digits, crsn_fit):
    X, y, Xt, yt = digits
    clf = crsn_fit
    assert clf.model_.n_nodes == 64 + 20
    assert clf.score(Xt, yt) > 0.8
    ev = clf.eigenvalues_
    assert np.iscomplexobj(ev)
    mem = ev[-20:]
    np.testing.assert_allclose(np.abs(mem), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.sort(np.abs(np.angle(mem)))[::2], clf.model_.frequencies, atol=1e-12)
    again = AttractorClassifier.from_dataset(clf.to_dataset())
    np.testing.assert_array_equal(again.predict(Xt), clf.predict(Xt))
    assert bool(clf.stability().stable.all())


def test_sequential_insertion_phase_shift(digits, crsn_fit):
    X, y, Xt, yt = digits
    clf = crsn_fit
    w = clf.model_.frequencies
    a = sequential_insertion(clf, Xt[:1], [0], 80)
    tau = 13
    b = sequential_insertion(clf, Xt[:1], [tau], 80)
    za = clf.model_.complex_amplitudes(a.z.values)
    zb = clf.model_.complex_amplitudes(b.z.values)
    # the same item inserted tau later: every mode is delayed by exactly tau steps, phase lag omega_k tau
    np.testing.assert_allclose(zb[tau + 20:], za[20:81 - tau], rtol=1e-9, atol=1e-12)
    lag = np.angle(za[60] / zb[60])
    np.testing.assert_allclose(np.angle(np.exp(1j * (lag - w * tau))), 0.0, atol=1e-9)
    # two items Delta t apart: the memory holds both contributions, the second turned back by omega_k Delta t
    dt = 30
    two = sequential_insertion(clf, Xt[:2], [0, dt], 120)
    alone = [clf.model_.complex_amplitudes(sequential_insertion(clf, Xt[j:j + 1], [0], 120).z.values)
             for j in (0, 1)]
    zt = clf.model_.complex_amplitudes(two.z.values)
    t = 110
    pred = alone[0][t] + alone[1][t - dt]
    lam_max = float(np.abs(clf.params_.lam_tr).max())
    # what the first item's input nodes still held at the second insertion is lost: order lam_max^(dt - steps)
    bound = 50 * lam_max ** (dt - clf.steps_) * np.abs(alone[0]).max()
    assert np.max(np.abs(zt[t] - pred)) < max(bound, 1e-9)
    turn = alone[1][t - dt] / alone[1][t]
    np.testing.assert_allclose(turn / np.abs(turn), np.exp(-1j * w * dt), atol=1e-9)
    with pytest.raises(ValueError, match="times"):
        sequential_insertion(clf, Xt[:2], [0, 2], 50)


def test_rsn_estimator_small(digits):
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model="rsn", optimizer="adam", maxiter=4, batch_size=32, loss="xent", lr=1e-2,
                              seed=0).fit(X[:600], y[:600])
    assert clf.model_.n_nodes == 74 and clf.score(Xt, yt) > 0.8
    np.testing.assert_allclose(clf.eigenvalues_[-10:], 1.0)
    tr = clf.trajectories(Xt[:3])
    assert tr.state.shape == (3, clf.steps_ + 1, 74)


def test_rsn_validation_errors():
    with pytest.raises(ValueError, match="n_nodes"):
        RSN(4, 3)
    with pytest.raises(ValueError, match="frequencies"):
        ComplexRSN(20, 2, frequencies=(0.5, 4.0))


@pytest.mark.slow
@pytest.mark.parametrize("model,target", [("rsn", 0.95), ("c-rsn", 0.94)])
def test_digits_accuracy(digits, model, target):
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model=model, optimizer="adam", maxiter=30, batch_size=32, loss="xent", lr=1e-2,
                              lr_decay=0.95, seed=0).fit(X, y)
    assert clf.score(Xt, yt) >= target
