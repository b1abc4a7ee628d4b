"""Planted-attractor models: exact gradients, planted fixed points, stability, plain-numpy references."""

import numpy as np
import pytest

from snt.classify import CVFR, DoubleWell, SNTMap, WilsonCowan
from snt.classify.objective import Objective, pack, unpack
from snt.classify.wilson_cowan import local_fixed_points

MODELS = {
    "sa-node": (lambda dt=np.float64: DoubleWell(20, 3, dtype=dt), 6, 0.1, None, 1.0),
    "wilson-cowan": (lambda dt=np.float64: WilsonCowan(20, 3, dtype=dt), 6, 0.1, None, 1.0),
    "cvfr": (lambda dt=np.float64: CVFR(20, 3, dtype=dt), 10, 0.03, None, 0.3),
    "cvfr-stochastic": (lambda dt=np.float64: CVFR(20, 3, dtype=dt, sigma=0.1), 10, 0.03, 11, 0.3),
    "snt-map": (lambda dt=np.float64: SNTMap(20, 3, dtype=dt), 6, 1.0, None, 1.0),
}
# pathwise gradients with the noise draws frozen; state-dependent noise also differentiates its amplitude
# sigma sqrt|s| (without that term the directional derivatives are off by several per cent)
NOISY = {
    "sa-node-additive": (lambda dt=np.float64: DoubleWell(20, 3, dtype=dt).set_noise("additive", 0.05), 6, 0.1,
                         11, 1.0),
    "sa-node-state-dependent": (lambda dt=np.float64: DoubleWell(20, 3, dtype=dt).set_noise("state-dependent",
                                                                                             0.1), 6, 0.1, 11, 1.0),
    "wilson-cowan-state-dependent": (lambda dt=np.float64: WilsonCowan(20, 3, dtype=dt).set_noise(
        "state-dependent", 0.1), 6, 0.1, 11, 1.0),
}


def _random_params(model, rng, lam_scale):
    p = model.init_params(rng)
    lo, hi = model.lam_bounds()
    p.lam_tr = np.clip(rng.normal(0.0, lam_scale, p.lam_tr.shape), lo, hi)
    # move away from exact orthogonality: |cos| = 0 is the kink of the penalty
    p.phi_tr = p.phi_tr + 0.3 * rng.standard_normal(p.phi_tr.shape) / np.sqrt(model.n_nodes)
    if model.trains_gamma:
        p.gamma = float(np.clip(p.gamma * 1.3, *model.gamma_bounds))
    return p


def richardson(f, h=1e-5):
    c = lambda h: (f(h) - f(-h)) / (2 * h)  # noqa: E731
    return (4 * c(h / 2) - c(h)) / 3


@pytest.mark.parametrize("loss", ["mse", "xent"])
@pytest.mark.parametrize("name", list(MODELS) + list(NOISY))
def test_gradient_matches_central_differences(name, loss):
    make, steps, dt, noise, lam_scale = {**MODELS, **NOISY}[name]
    model = make()
    model.loss = loss
    rng = np.random.default_rng(0)
    p = _random_params(model, rng, lam_scale)
    X = rng.random((7, model.n_nodes))
    Y = rng.integers(0, model.n_classes, 7)
    obj = Objective(model, X, Y, steps, dt, chunk=3, noise_seed=noise)   # 3 chunks: accumulation tested
    theta = pack(model, p)
    _, g = obj(theta)
    n, m = model.n_nodes, model.n_nodes - model.n_classes
    blocks = {"phi": slice(0, n * m), "lambda": slice(n * m, n * m + m)}
    if model.trains_gamma:
        blocks["gamma"] = slice(n * m + m, None)
    for block, sl in blocks.items():
        d = np.zeros_like(theta)
        d[sl] = rng.standard_normal(d[sl].shape)
        fd = richardson(lambda h: obj(theta + h * d)[0])
        rel = abs(g @ d - fd) / abs(fd)
        assert rel < 1e-6, f"{name} {block}: analytic {g @ d} vs finite differences {fd} (rel {rel:.2e})"


def test_cross_entropy_value_against_plain_softmax():
    model = DoubleWell(20, 3)
    model.loss, model.temperature = "xent", 0.3
    rng = np.random.default_rng(4)
    out = rng.normal(0.0, 0.5, (5, 20))
    Y = np.array([0, 2, 1, 1, 0])
    t = model.targets()
    tau = 0.3 * min(((t[k] - t[l]) ** 2).sum() for k in range(3) for l in range(3) if k != l)
    logits = np.array([[-((o - tk) ** 2).sum() / tau for tk in t] for o in out])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    loss, grad = model.output_loss(out, Y, 1.0 / 5)
    assert loss == pytest.approx(-logp[np.arange(5), Y].mean(), rel=1e-12)
    # gradient with respect to the outputs against central differences
    d = rng.standard_normal(out.shape)
    fd = richardson(lambda h: model.output_loss(out + h * d, Y, 1.0 / 5)[0])
    assert (grad * d).sum() == pytest.approx(fd, rel=1e-8)
    # a state equidistant from every target has uniform p: the pushes of the K labels cancel
    centre = np.tile(t.mean(0), (3, 1))
    _, g0 = model.output_loss(centre, np.array([0, 1, 2]), 1.0)
    np.testing.assert_allclose(g0.sum(0), 0.0, atol=1e-12)


@pytest.mark.parametrize("name", list(MODELS))
def test_patterns_are_fixed_points_and_batches_are_independent(name):
    make, steps, dt, noise, lam_scale = MODELS[name]
    model = make()
    rng = np.random.default_rng(1)
    p = _random_params(model, rng, lam_scale)
    assert model.residuals(p).max() < 1e-10
    # iterating from a planted pattern stays there (any parameters)
    s0 = model.attractor_states(p.gamma)
    c = model.coupling(p)
    traj = model.forward(c.A, p.gamma, s0, 50, dt, noise=(3,) if noise else None)
    # with noise sigma tanh(P), P ~ |x - x*|^(2/K) is not Lipschitz at x*: rounding-level departures are
    # amplified to a small but finite hovering distance (the deterministic part is exact)
    np.testing.assert_allclose(traj[-1], s0, atol=1e-5 if noise else 1e-10)
    # a batch of items evolves like the items one by one (rows are independent; deterministic models)
    if noise is None:
        X = model.initial_state(rng.random((4, model.n_nodes)))
        whole = model.forward(c.A, p.gamma, X, steps, dt)[-1]
        single = np.concatenate([model.forward(c.A, p.gamma, X[i:i + 1], steps, dt)[-1] for i in range(4)])
        np.testing.assert_allclose(whole, single, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", list(MODELS))
def test_float32_follows_float64(name):
    make, steps, dt, noise, lam_scale = MODELS[name]
    m64, m32 = make(np.float64), make(np.float32)
    rng = np.random.default_rng(2)
    p = _random_params(m64, rng, lam_scale)
    X = rng.random((5, m64.n_nodes))
    Y = rng.integers(0, 3, 5)
    l64, G64, g64 = m64.loss_grad(p, X, Y, steps, dt, noise=(1,) if noise else None)
    l32, G32, g32 = m32.loss_grad(p, X, Y, steps, dt, noise=(1,) if noise else None)
    assert l32 == pytest.approx(l64, rel=1e-4)
    np.testing.assert_allclose(G32, G64, rtol=2e-3, atol=2e-4 * np.abs(G64).max())


def _euler_reference(name, model, A, gamma, x, dt, steps):
    """Plain-numpy loops over items of the published update rules."""
    out = []
    for item in x:
        v = item.copy()
        for _ in range(steps):
            if name == "sa-node":
                a = model.a
                v = np.clip(v + dt * (4 * abs(gamma) * (a * a * v - v**3) + A @ v / np.sqrt(len(v))),
                            -10 * a, 10 * a)
            elif name == "wilson-cowan":
                n = model.n_nodes
                xe, yi = v[:n], v[n:]
                se = 7.2 * xe - 2.0 * yi - 1.2 + A @ xe / np.sqrt(n)
                si = 0.0 * xe - 1.0 * yi + 0.1
                fe = 0.25 * np.tanh(3.7 * se) + 0.65
                fi = 0.5 * np.tanh(si) + 0.5
                v = np.concatenate([xe + dt * (-1.5 * xe + (1 - xe) * fe),
                                    yi + dt / gamma * (-0.4 * yi + (1 - yi) * fi)])
            elif name == "cvfr":
                n = len(v)
                r = v**2 / (1 / (8 * n) + v**2)
                v = v + dt * (-v + A @ r / np.sqrt(n))
            elif name == "snt-map":
                v = gamma * v + A @ np.tanh(v)
        out.append(v)
    return np.array(out)


@pytest.mark.parametrize("name", ["sa-node", "wilson-cowan", "cvfr", "snt-map"])
def test_forward_matches_numpy_reference(name):
    make, steps, dt, noise, lam_scale = MODELS[name]
    model = make()
    rng = np.random.default_rng(4)
    p = _random_params(model, rng, lam_scale)
    A = model.coupling(p).A
    X = model.initial_state(rng.random((3, model.n_nodes)) * 2.0)
    got = model.forward(A, p.gamma, X, steps, dt)[-1]
    np.testing.assert_allclose(got, _euler_reference(name, model, A, p.gamma, X, dt, steps), rtol=1e-12,
                               atol=1e-13)


def test_stochastic_noise_vanishes_at_attractors_and_is_reproducible():
    model = CVFR(20, 3, sigma=0.5)
    rng = np.random.default_rng(5)
    p = _random_params(model, rng, 0.3)
    logp, _ = model._damping(model.attractor_states(0.0))
    assert np.all(np.exp(logp) < 1e-12)
    A = model.coupling(p).A
    X = rng.random((4, 20))
    a = model.forward(A, 0.0, X, 20, 0.03, noise=(9,))[-1]
    b = model.forward(A, 0.0, X, 20, 0.03, noise=(9,))[-1]
    c = model.forward(A, 0.0, X, 20, 0.03, noise=(10,))[-1]
    d = model.forward(A, 0.0, X, 20, 0.03, noise=None)[-1]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3 and np.abs(a - d).max() > 1e-3


def test_wilson_cowan_constants():
    x_low, x_mid, x_high, y_star = local_fixed_points()
    assert x_low == pytest.approx(0.2135903412, abs=1e-9)
    assert x_mid == pytest.approx(0.2839601532, abs=1e-9)
    assert x_high == pytest.approx(0.3732689846, abs=1e-9)
    assert y_star == pytest.approx(0.4525624508, abs=1e-9)
    # at initialisation the attractors are stable (digest: max Re eig J_xx = -1.59 for N = 784)
    m = WilsonCowan(60, 4)
    p = m.init_params(np.random.default_rng(0))
    assert m.growth_rates(p).max() < 0


def test_cvfr_closed_forms():
    m = CVFR(784, 10)
    assert m.x_p == pytest.approx(0.030484, abs=1e-6)
    assert m.r_p == pytest.approx(0.853553, abs=1e-6)
    assert m.beta * (2 * m.gamma_r * m.x_p / (m.gamma_r + m.x_p**2) ** 2) == pytest.approx(1 - 2**-0.5, rel=1e-12)


def test_double_well_stability_closed_form():
    m = DoubleWell(30, 4)
    rng = np.random.default_rng(6)
    p = m.init_params(rng)
    p.lam_tr = rng.uniform(-3, m.lam_bounds()[1], p.lam_tr.shape)
    p.gamma = 0.7
    expected = -8 * p.gamma * m.a**2 + m.beta * max(p.lam_tr.max(), 0.0)
    assert m.growth_rates(p).max() == pytest.approx(expected, abs=1e-8)
    # the box bound keeps every admissible gamma stable
    p.lam_tr[:] = m.lam_bounds()[1]
    p.gamma = m.gamma_bounds[0]
    assert m.growth_rates(p).max() < 0


def test_snt_map_self_consistency_and_stability_box():
    m = SNTMap(24, 3, b=0.8, g=1.5)
    rng = np.random.default_rng(7)
    p = m.init_params(rng)
    for gamma in (0.0, 0.3, 0.9):
        p.gamma = gamma
        assert m.residuals(p).max() < 1e-10
        # log spectral radius = log max |gamma + c lambda| over trained and planted eigenvalues
        c = 1.5 / np.cosh(1.5 * 0.8) ** 2
        lam = np.r_[p.lam_tr, m.lam_fix(gamma)]
        assert m.growth_rates(p).max() == pytest.approx(np.log(np.abs(gamma + c * lam).max()), abs=1e-8)
    lo, hi = m.lam_bounds()
    p.lam_tr[:] = hi
    p.gamma = m.gamma_bounds[1]
    assert m.growth_rates(p).max() < 0
    p.lam_tr[:] = lo
    p.gamma = m.gamma_bounds[0]
    assert m.growth_rates(p).max() < 0


def test_pack_unpack_roundtrip():
    m = WilsonCowan(12, 3)
    p = m.init_params(np.random.default_rng(0))
    q = unpack(m, pack(m, p))
    np.testing.assert_array_equal(q.phi_tr, p.phi_tr)
    np.testing.assert_array_equal(q.lam_tr, p.lam_tr)
    assert q.gamma == p.gamma


def test_model_argument_errors():
    with pytest.raises(ValueError, match="n_classes"):
        DoubleWell(5, 5)
    with pytest.raises(TypeError, match="n_nodes"):
        WilsonCowan(10.5, 3)
    with pytest.raises(ValueError, match="dtype"):
        CVFR(10, 3, dtype=np.int32)
    with pytest.raises(ValueError, match="sigma"):
        CVFR(10, 3, sigma=-1.0)


def test_float32_tanh_approximation():
    from snt.classify._fastmath import tanh, tanh_f32  # noqa: F401
    x = np.concatenate([np.linspace(-12, 12, 400001), [0.0, 1e-30, -1e-20, 9.0, -9.0, 50.0, -1e30]])
    x32 = x.astype(np.float32)
    got = tanh(x32)
    assert got.dtype == np.float32
    ref = np.tanh(x32.astype(np.float64))
    err = np.abs(got - ref)
    assert err.max() < 4e-7
    # relative accuracy near 0 (tanh x ~ x) and exact saturation
    small = np.abs(ref) < 1e-3
    assert np.max(err[small] / np.maximum(np.abs(ref[small]), 1e-45)) < 1e-6
    assert np.all(np.abs(got) <= 1.0)
    assert tanh(np.float32(100.0)) == 1.0 and tanh(np.float32(-100.0)) == -1.0
    # float64 stays numpy's
    np.testing.assert_array_equal(tanh(x), np.tanh(x))


@pytest.mark.parametrize("name", ["sa-node", "wilson-cowan"])
def test_forward_owns_its_arrays_and_the_workspace_is_explicit(name):
    import pickle

    from snt.classify.base import Workspace

    make, steps, dt, noise, lam_scale = MODELS[name]
    model = make()
    rng = np.random.default_rng(5)
    p = _random_params(model, rng, lam_scale)
    X = rng.random((4, model.n_nodes))
    Y = rng.integers(0, model.n_classes, 4)
    work = Workspace()
    l1, G1, g1 = model.loss_grad(p, X, Y, steps, dt, work=work)
    first = model.forward(model.coupling(p).A, p.gamma, model.initial_state(X), steps, dt)
    keep = first[-1].copy()
    l2, G2, g2 = model.loss_grad(p, X[::-1].copy(), Y[::-1].copy(), steps, dt, work=work)   # reuses the buffers
    np.testing.assert_array_equal(first[-1], keep)
    assert l1 == pytest.approx(l2, rel=1e-12) and g1 == pytest.approx(g2, rel=1e-10)
    np.testing.assert_allclose(G1, G2, rtol=1e-10, atol=1e-14)
    l3, G3, g3 = model.loss_grad(p, X, Y, steps, dt)                 # without a workspace: the same numbers
    assert l3 == l1 and g3 == g1
    np.testing.assert_array_equal(G3, G1)
    assert pickle.loads(pickle.dumps(model)).__dict__.keys() == model.__dict__.keys()   # nothing cached on it


@pytest.mark.parametrize("name", list(MODELS))
def test_complement_init_gives_a_normal_coupling(name):
    """init="complement": Φ_tr orthogonal to the planted span, so A is symmetric and ||A|| = max|λ|."""
    model = MODELS[name][0]()
    p = model.init_params(np.random.default_rng(2), init="complement")
    g = model.orth_gain
    np.testing.assert_allclose(model.phi_fix.T @ p.phi_tr, 0.0, atol=1e-12)
    np.testing.assert_allclose(p.phi_tr.T @ p.phi_tr, g * g * np.eye(p.phi_tr.shape[1]), atol=1e-12)
    c = model.coupling(p)
    np.testing.assert_allclose(c.A, c.A.T, atol=1e-12)
    assert np.linalg.norm(c.A, 2) == pytest.approx(np.abs(c.lam).max(), rel=1e-10)
    assert c.condition == pytest.approx(max(g, 1 / g), rel=1e-10)
    assert model.residuals(p).max() < 1e-10
    with pytest.raises(ValueError, match="init must be"):
        model.init_params(np.random.default_rng(2), init="identity")


def test_complement_init_keeps_the_snt_map_out_of_saturation():
    """The papers' initialiser overlaps the planted span: A is far from normal and the map saturates."""
    model = SNTMap(128, 10)
    rng = np.random.default_rng(0)
    X = np.zeros((50, 128))
    X[:, :64] = rng.random((50, 64)) * (rng.random((50, 64)) < 0.5)      # digit-like: half the pixels dark
    first = {}
    for init in ("orthogonal", "complement"):
        p = model.init_params(np.random.default_rng(0), init=init)
        c = model.coupling(p)
        first[init] = (np.linalg.norm(c.A, 2) / np.abs(c.lam).max(),
                       np.abs(model.forward(c.A, p.gamma, X, 1)[-1]).max())
    assert first["orthogonal"][0] > 10 and first["orthogonal"][1] > 3       # tanh'(3) < 0.01
    assert first["complement"][0] == pytest.approx(1.0, rel=1e-10) and first["complement"][1] < 2


def test_wilson_cowan_gamma_box_keeps_the_euler_update_of_y_monotone():
    from snt.classify.objective import bounds
    m = WilsonCowan(20, 3)
    dt = m.default_dt
    g_lo, g_hi = m.gamma_box(dt)
    assert bounds(m, dt)[0][-1] == g_lo and bounds(m, dt)[1][-1] == g_hi
    y0 = np.linspace(0.0, 1.0, 20)[None, :]            # pixels, mostly 0 in Fashion-MNIST
    A = np.zeros((20, 20))

    def y_path(gamma):
        traj = m.forward(A, gamma, m.initial_state(y0), 100, dt)
        return np.array([s[0, 20:] for s in traj])

    for gamma in (g_lo, 0.25, g_hi):
        y = y_path(gamma)
        dev = np.abs(y - m.y_star)
        assert np.all((y >= 0) & (y <= 1))
        assert np.all(np.diff(dev, axis=0) <= 1e-15), gamma      # no overshoot of y*
    # the former bound 0.05 let y(0) = 0 jump to 1.1 and oscillate around y*
    y = y_path(0.05)
    assert y.max() > 1.0 and np.any(np.diff(np.abs(y - m.y_star), axis=0) > 0)
