"""AttractorClassifier: real training on digits, scikit-learn contract, monitoring, persistence, errors."""

import json
import warnings

import numpy as np
import pytest
import xarray as xr
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from snt.classify import AttractorClassifier, presets, random_pixel_attack, robustness


#: the papers' choices where a test checks a mechanism against them (the defaults are the digits recipe)
PLAIN = dict(init="orthogonal", loss="mse", input_noise=0.0, lr_decay=1.0)



@pytest.fixture(scope="module")
def trained(digits):
    """SA-nODE trained for real on the digits training set (Adam, a few seconds)."""
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model="sa-node", steps=30, n_nodes=64, optimizer="adam", maxiter=20,
                              batch_size=50, lr=1e-2, lr_decay=0.93, seed=0)
    return clf.fit(X, y)


def test_digits_training_reaches_real_accuracy(trained, digits):
    X, y, Xt, yt = digits
    # chance is 0.10; a nearest-centroid baseline on these pixels scores about 0.90
    assert trained.score(Xt, yt) >= 0.88
    r = trained.result_
    assert r.nit == 20 and r.nfev == 20 * 29 and r.success
    assert r.history["loss"][-1] < r.history["loss"][0]
    # planted patterns are still exact fixed points and every attractor is stable
    st = trained.stability()
    assert float(st.residual.max()) < 1e-10
    assert bool(st.stable.all())
    assert r.max_growth_rate == float(st.growth_rate.max())     # reported at fit = recomputed now
    # eigenvalues: trained ones inside the stability box, planted ones exactly 0
    lam = trained.eigenvalues_
    assert np.all(lam[-10:] == 0.0)
    assert lam.max() <= trained.model_.lam_bounds()[1] + 1e-12


def test_predict_proba_and_trajectories(trained, digits):
    _, _, Xt, yt = digits
    P = trained.predict_proba(Xt[:30])
    np.testing.assert_allclose(P.sum(1), 1.0)
    np.testing.assert_array_equal(P.argmax(1), trained.predict(Xt[:30]))
    ds = trained.trajectories(Xt[:5])
    assert ds.state.dims == ("item", "time", "node")
    assert ds.sizes["time"] == trained.eval_steps_ + 1
    np.testing.assert_allclose(ds.state.isel(time=0).values, Xt[:5])
    np.testing.assert_array_equal(ds.prediction.values, trained.predict(Xt[:5]))
    # the distance to the predicted attractor shrinks along the flow
    d = ds.distance.values[np.arange(5), :, ds.prediction.values]
    assert np.all(d[:, -1] < d[:, 0])
    assert trained.attractors_.shape == (10, 64)


def test_dataset_roundtrip(trained, digits, tmp_path):
    _, _, Xt, _ = digits
    ds = trained.to_dataset()
    path = tmp_path / "m.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    again = AttractorClassifier.from_dataset(xr.open_dataset(path, engine="h5netcdf").load())
    np.testing.assert_array_equal(again.predict(Xt), trained.predict(Xt))
    assert json.loads(ds.attrs["parameters"])["model"] == "sa-node"


def test_lbfgs_improves_and_respects_bounds(digits):
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model="snt-map", steps=10, n_nodes=64, maxiter=15, optimizer="lbfgs", seed=1)
    clf.fit(X[:300], y[:300])
    h = clf.result_.history["loss"]
    assert h[-1] < 0.7 * h[0]
    lo, hi = clf.model_.lam_bounds()
    assert np.all(clf.params_.lam_tr >= lo - 1e-12) and np.all(clf.params_.lam_tr <= hi + 1e-12)
    g_lo, g_hi = clf.model_.gamma_bounds
    assert g_lo <= clf.params_.gamma <= g_hi
    assert clf.stability().stable.all()
    assert clf.result_.max_residual < 1e-10


def test_lbfgs_growing_batches(digits):
    X, y, _, _ = digits
    clf = AttractorClassifier(model="sa-node", steps=8, n_nodes=64, maxiter=9, batch_size=100, optimizer="lbfgs",
                              seed=0)
    clf.fit(X[:400], y[:400])
    assert "stages of [100, 200, 400] items" in clf.result_.message
    assert clf.result_.nit == 9 and list(clf.result_.history["nit"]) == list(range(1, 10))


def test_stability_is_restored_when_lost(digits):
    X, y, _, _ = digits
    clf = AttractorClassifier(model="wilson-cowan", n_nodes=64, maxiter=1, optimizer="adam", seed=0)
    clf.fit(X[:200], y[:200])
    # push the trained eigenvalues far beyond the box: the attractors lose stability
    clf.params_.lam_tr = np.abs(clf.params_.lam_tr) * 400.0
    assert clf.stability().growth_rate.max() > 0
    lam = clf.params_.lam_tr.copy()
    shrink, growth = clf._enforce_stability()
    assert 0.0 < shrink < 1.0 and growth is None
    np.testing.assert_allclose(clf.params_.lam_tr, shrink * lam)
    st = clf.stability()
    assert bool(st.stable.all()) and float(st.residual.max()) < 1e-10


@pytest.mark.parametrize("ema", [None, 0.9])
def test_checkpoint_resume_reproduces_uninterrupted_run(digits, tmp_path, ema):
    X, y, _, _ = digits
    kw = dict(model="sa-node", steps=8, n_nodes=64, optimizer="adam", batch_size=100, lr=1e-2, seed=3, ema=ema)
    full = AttractorClassifier(maxiter=4, **kw).fit(X[:400], y[:400])
    ck = tmp_path / "ck.npz"

    def stop_after_two(r):
        if r.nit == 2:
            raise StopIteration

    part = AttractorClassifier(maxiter=4, checkpoint=ck, callback=stop_after_two, **kw).fit(X[:400], y[:400])
    assert part.result_.nit == 2 and "callback" in part.result_.message
    resumed = AttractorClassifier(maxiter=4, checkpoint=ck, **kw).fit(X[:400], y[:400])
    assert resumed.result_.nit == 4
    np.testing.assert_allclose(resumed.params_.phi_tr, full.params_.phi_tr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(resumed.result_.history["loss"], full.result_.history["loss"], rtol=1e-10)


def test_validation_early_stopping(digits):
    X, y, _, _ = digits
    seen = []
    clf = AttractorClassifier(model="sa-node", steps=5, n_nodes=64, optimizer="adam", maxiter=50,
                              batch_size=200, lr=1e-6, validation=0.2, patience=2, seed=0,
                              callback=lambda r: seen.append(r.val_accuracy))
    with pytest.warns(RuntimeWarning, match="chance level"):       # nothing was learnt
        clf.fit(X[:300], y[:300])
    # with a negligible learning rate the validation accuracy cannot keep improving
    assert clf.result_.nit < 50 and "early stopping" in clf.result_.message
    assert np.all(np.isfinite(seen))
    assert clf.result_.best_val_accuracy == pytest.approx(max(seen))


def test_sklearn_composition(digits):
    X, y, _, _ = digits
    base = AttractorClassifier(model="sa-node", steps=20, n_nodes=64, optimizer="adam", maxiter=8,
                               batch_size=50, lr=2e-2, seed=0)
    c = clone(base)
    assert c.get_params() == base.get_params()
    pipe = Pipeline([("scale", MinMaxScaler()), ("clf", base)])
    scores = cross_val_score(pipe, X[:600], y[:600], cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.6)   # chance: 0.1


def test_pipeline_with_standard_scaler_is_rescaled_with_a_warning(digits):
    """Standardised items (outside [0, 1]) are mapped back to [0, 1] per feature with the training minimum
    and range: the same fit as on min-max scaled items, and a warning saying so."""
    X, y, Xt, yt = digits
    kw = dict(model="sa-node", steps=20, n_nodes=64, maxiter=8, batch_size=50, lr=2e-2, random_state=0)
    std = StandardScaler().fit(X[:600])
    with pytest.warns(RuntimeWarning, match=r"outside|rescaled to \[0, 1\]"):
        pipe = Pipeline([("scale", StandardScaler()), ("clf", AttractorClassifier(**kw))]).fit(X[:600], y[:600])
    ref = AttractorClassifier(**kw).fit(MinMaxScaler().fit_transform(std.transform(X[:600])), y[:600])
    np.testing.assert_allclose(pipe[-1].params_.phi_tr, ref.params_.phi_tr, rtol=1e-10, atol=1e-12)
    assert pipe.score(Xt, yt) > 0.6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scores = cross_val_score(Pipeline([("scale", StandardScaler()), ("clf", AttractorClassifier(**kw))]),
                                 X[:600], y[:600], cv=3)
    assert np.all(scores > 0.6)                            # no fold left near chance


def test_raw_digits_are_rescaled_not_silently_misread(digits):
    X, y, Xt, yt = digits
    kw = dict(model="sa-node", steps=20, n_nodes=64, maxiter=8, batch_size=50, lr=2e-2, random_state=0)
    with pytest.warns(RuntimeWarning, match=r"\[0, 16\].*rescaled"):
        raw = AttractorClassifier(**kw).fit(16 * X[:600], y[:600])
    assert raw.feature_min_ is not None and raw.feature_range_.max() == 16
    assert raw.score(16 * Xt, yt) > 0.6
    clean = AttractorClassifier(**kw).fit(X[:600], y[:600])
    assert clean.feature_min_ is None
    with pytest.warns(RuntimeWarning, match="far outside"):
        clean.predict(16 * Xt[:5])


def test_any_hashable_labels(digits):
    """classes_ = numpy.unique(y); the fit on labels f(y) for an injective f is the fit on y, relabelled."""
    X, y, Xt, yt = digits
    kw = dict(model="snt-map", steps=10, n_nodes=64, maxiter=3, batch_size=50, random_state=0)
    ref = AttractorClassifier(**kw).fit(X[:400], y[:400])
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    for labels in (names, 10 * np.arange(10) + 5, 2.0 * np.arange(10)[::-1] - 3.0):
        order = np.argsort(labels)                           # class k of the fit is the k-th smallest label
        # relabel so that the sorted labels correspond to the digits 0..9 in order
        ylab = labels[order][y[:400]]
        clf = AttractorClassifier(**kw).fit(X[:400], ylab)
        np.testing.assert_array_equal(clf.classes_, np.sort(labels))
        np.testing.assert_array_equal(clf.params_.phi_tr, ref.params_.phi_tr)
        np.testing.assert_array_equal(clf.predict(Xt), labels[order][ref.predict(Xt)])
        assert clf.score(Xt, labels[order][yt]) == ref.score(Xt, yt)
    two = AttractorClassifier(**kw).fit(X[:400], np.where(y[:400] < 5, "low", "high"))
    assert list(two.classes_) == ["high", "low"] and two.decision_function(Xt[:3]).shape == (3,)


def test_predict_proba_is_the_softmax_of_the_readout_distances(trained, digits):
    _, _, Xt, _ = digits
    p = trained.predict_proba(Xt[:50])
    m = trained.model_
    d = m.distances(trained._outputs(trained._pad(Xt[:50]), trained.params_))
    t = m.distances(m.targets())
    tau = trained.config_.temperature * t[~np.eye(10, dtype=bool)].min()
    ref = np.exp(-(d - d.min(1, keepdims=True)) / tau)
    np.testing.assert_allclose(p, ref / ref.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(trained.classes_[p.argmax(1)], trained.predict(Xt[:50]))


def test_grid_search_over_two_training_options(digits):
    X, y, _, _ = digits
    grid = GridSearchCV(AttractorClassifier(model="snt-map", steps=10, n_nodes=64, maxiter=3, random_state=0),
                        {"lr": [1e-3, 1e-2], "loss": ["mse", "xent"]}, cv=2)
    grid.fit(X[:300], y[:300])
    assert len(grid.cv_results_["params"]) == 4 and np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.config_.lr == grid.best_params_["lr"]
    assert grid.best_score_ > 0.5


def test_random_state_seed_and_verbose(digits):
    X, y, _, _ = digits
    kw = dict(model="snt-map", steps=5, n_nodes=64, maxiter=1, batch_size=100)
    a = AttractorClassifier(random_state=3, **kw).fit(X[:200], y[:200])
    b = AttractorClassifier(seed=3, **kw).fit(X[:200], y[:200])
    np.testing.assert_array_equal(a.params_.phi_tr, b.params_.phi_tr)
    assert a.config_.rng_seed == 3 and "random_state" in a.get_params() and "verbose" in a.get_params()
    with pytest.raises(TypeError, match="verbose must be True or False"):
        AttractorClassifier(verbose="yes", **kw).fit(X[:200], y[:200])


def test_a_fit_does_not_depend_on_the_machines_blas_threads(digits):
    """The BLAS pool's thread count rounds a fit differently and training amplifies it (at 2 threads, 64 items,
    one epoch: parameters 1e-4 of their largest apart; 600 items: 0.3): by default a fit runs on one thread,
    whatever the network's size and the pool's setting, so the same seed gives the same bits anywhere."""
    from threadpoolctl import threadpool_limits
    X, y, _, _ = digits
    wide = np.tile(X[:64], (1, 9))                      # 576 features: a network above 512 nodes
    kw = dict(model="wilson-cowan", maxiter=1, random_state=0)
    one = AttractorClassifier(n_threads=1, **kw).fit(wide, y[:64])
    with threadpool_limits(2, user_api="blas"):        # the pool of a 2-core machine
        default = AttractorClassifier(**kw).fit(wide, y[:64])
    assert default.model_.n_nodes >= 512
    np.testing.assert_array_equal(default.result_.x, one.result_.x)


def test_a_class_blind_fit_warns(digits):
    """Items that carry nothing the dynamics can use (all equal) end at chance level: a warning with causes."""
    X, y, _, _ = digits
    flat = np.full((300, 64), 0.5)
    with pytest.warns(RuntimeWarning, match=r"training accuracy 0\.\d+ is at chance level.*constant"):
        clf = AttractorClassifier(model="snt-map", steps=5, n_nodes=64, maxiter=1, random_state=0).fit(flat, y[:300])
    assert clf.result_.train_accuracy <= np.bincount(y[:300]).max() / 300
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)           # a fit that learns does not warn
        AttractorClassifier(model="snt-map", steps=10, n_nodes=64, maxiter=3, random_state=0).fit(X[:300], y[:300])


def test_bad_input_errors(trained, digits):
    X, y, Xt, _ = digits
    Xn = X[:50].copy()
    Xn[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        AttractorClassifier(maxiter=1).fit(Xn, y[:50])
    with pytest.raises(ValueError, match="63 features.*expecting 64"):
        trained.predict(Xt[:, :63])
    with pytest.raises(ValueError, match="model must be one of .*'hopfield'"):
        AttractorClassifier(model="hopfield").fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="at least 2 classes"):
        AttractorClassifier(maxiter=1).fit(X[:60], np.zeros(60))
    with pytest.raises(ValueError, match="Unknown label type"):
        AttractorClassifier(maxiter=1).fit(X[:60], np.linspace(0, 1, 60))
    with pytest.raises(TypeError, match="unexpected parameter.*'epochs'"):
        AttractorClassifier(epochs=3)
    with pytest.raises(ValueError, match="optimizer must be"):
        AttractorClassifier(optimizer="sgd").fit(X[:60], y[:60])
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        AttractorClassifier(steps=0).fit(X[:60], y[:60])
    with pytest.raises(ValueError, match="readout='strict'"):
        AttractorClassifier(model="wilson-cowan", readout="strict").fit(X[:60], y[:60])


def test_strict_readout_rejects_unconverged(digits):
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model="sa-node", steps=3, n_nodes=64, readout="strict", maxiter=2,
                              optimizer="adam", seed=0).fit(X[:200], y[:200])
    pred = clf.predict(Xt)
    # after 3 steps almost nothing has reached a pattern's sign configuration
    assert np.mean(pred == -1) > 0.5
    # and whatever is accepted matches its pattern's signs on every node
    out = clf._outputs(clf._pad(Xt), clf.params_)
    for i in np.flatnonzero(pred >= 0):
        assert np.all(np.sign(out[i]) == np.sign(clf.model_.patterns[pred[i]]))


def test_robustness_dataset(trained, digits):
    _, _, Xt, yt = digits
    r = robustness(trained, Xt, yt, fractions=[0.0, 0.3, 1.0], repeats=2, seed=4)
    assert r.accuracy.dims == ("fraction", "repeat")
    assert float(r.accuracy_mean.sel(fraction=0.0)) == pytest.approx(trained.score(Xt, yt))
    assert float(r.accuracy_mean.sel(fraction=1.0)) < 0.3     # every pixel random: near chance
    rng = np.random.default_rng(0)
    A = random_pixel_attack(Xt[:20], 0.25, rng)
    assert np.all((A != Xt[:20]).sum(1) <= 16) and np.mean((A != Xt[:20]).sum(1)) > 12
    again = robustness(trained, Xt, yt, fractions=[0.0, 0.3, 1.0], repeats=2, seed=4)
    xr.testing.assert_identical(r, again)


# scikit-learn's own checks, every one of them (labels of any hashable type, items of any range).
@parametrize_with_checks([AttractorClassifier(model="sa-node", seed=0)])     # the defaults
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


def _theta0(clf):
    from snt.classify.objective import pack

    return pack(clf.model_, clf.model_.init_params(np.random.default_rng(clf.seed), init=clf.config_.init))


def test_ema_returns_the_moving_average_of_the_iterates(digits):
    X, y, _, _ = digits
    kw = dict(model="sa-node", steps=6, n_nodes=64, optimizer="adam", batch_size=100, lr=3e-2,
              enforce_stability=False, seed=2, **PLAIN)
    # one mini-batch per epoch: the iterates theta_1, theta_2 are the results of 1 and 2 epochs
    fits = [AttractorClassifier(maxiter=k, **kw).fit(X[:100], y[:100]) for k in (1, 2)]
    th = [f.params_ for f in fits]
    init = fits[0].model_.init_params(np.random.default_rng(2))
    mu = 0.8
    avg = AttractorClassifier(maxiter=2, ema=mu, **kw).fit(X[:100], y[:100])
    expect = mu * mu * init.lam_tr + mu * (1 - mu) * th[0].lam_tr + (1 - mu) * th[1].lam_tr
    assert np.abs(th[1].lam_tr - th[0].lam_tr).max() > 1e-3          # the iterates do move
    np.testing.assert_allclose(avg.params_.lam_tr, expect, rtol=1e-9, atol=1e-12)
    exp_phi = mu * mu * init.phi_tr + mu * (1 - mu) * th[0].phi_tr + (1 - mu) * th[1].phi_tr
    np.testing.assert_allclose(avg.params_.phi_tr, exp_phi, rtol=1e-9, atol=1e-12)
    assert "moving average" in avg.result_.message
    assert avg.stability().residual.max() < 1e-10                    # the average keeps the planted points
    with pytest.raises(ValueError, match="ema"):
        AttractorClassifier(maxiter=2, ema=1.0, **kw).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="adam"):
        AttractorClassifier(maxiter=2, ema=0.5, **{**kw, "optimizer": "lbfgs"}).fit(X[:100], y[:100])


def test_cross_entropy_loss_trains_and_is_validated(digits):
    X, y, Xt, yt = digits
    kw = dict(model="sa-node", steps=10, n_nodes=64, optimizer="adam", batch_size=50, lr=1e-2, seed=0)
    clf = AttractorClassifier(maxiter=6, loss="xent", **kw).fit(X[:500], y[:500])
    h = clf.result_.history["loss"]
    assert h[-1] < 0.5 * h[0]                       # per-item cross-entropy (chance level: about log K)
    assert clf.score(Xt, yt) > 0.5
    with pytest.raises(ValueError, match="loss"):
        AttractorClassifier(loss="hinge", **kw).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="temperature"):
        AttractorClassifier(loss="xent", temperature=0.0, **kw).fit(X[:50], y[:50])


@pytest.mark.parametrize("factor", [1.0, 10.0])
def test_lr_eigenvalues_and_lr_gamma_scale_the_adam_steps(digits, factor):
    X, y, _, _ = digits
    kw = dict(model="wilson-cowan", steps=5, n_nodes=64, optimizer="adam", maxiter=1, batch_size=100, lr=0.1,
              enforce_stability=False, seed=0, **PLAIN)
    base = AttractorClassifier(lr_eigenvalues=0.1, **kw).fit(X[:100], y[:100])       # one Adam step
    fast = AttractorClassifier(lr_eigenvalues=0.1 * factor, **kw).fit(X[:100], y[:100])
    p0 = base.model_.init_params(np.random.default_rng(0))
    d_base = base.params_.lam_tr - p0.lam_tr
    d_fast = fast.params_.lam_tr - p0.lam_tr
    assert np.all(np.abs(d_base) > 1e-3)                   # the first Adam step moves every eigenvalue ~lr
    np.testing.assert_allclose(d_fast, factor * d_base, rtol=1e-9)
    # the eigenvectors and gamma keep the common rate
    np.testing.assert_array_equal(fast.params_.phi_tr, base.params_.phi_tr)
    assert fast.params_.gamma == base.params_.gamma
    slow_gamma = AttractorClassifier(lr_gamma=0.1 / (2 * factor), lr_eigenvalues=0.1, **kw).fit(X[:100], y[:100])
    assert abs(base.params_.gamma - p0.gamma) > 1e-3
    assert slow_gamma.params_.gamma - p0.gamma == pytest.approx((base.params_.gamma - p0.gamma) / (2 * factor),
                                                                rel=1e-9)
    np.testing.assert_array_equal(slow_gamma.params_.lam_tr, base.params_.lam_tr)


def test_lr_eigenvalues_preconditions_lbfgs(digits):
    from snt.classify.objective import Objective

    X, y, _, _ = digits
    rho = 10.0
    first = []
    clf = AttractorClassifier(model="cvfr", steps=10, n_nodes=64, maxiter=2, lr=5e-3, lr_eigenvalues=rho * 5e-3,
                              enforce_stability=False, seed=0, optimizer="lbfgs", training_noise=0.0,
                              input_scale=1.0, callback=lambda r: first.append(r.x.copy()) if not first else None,
                              **PLAIN)
    clf.fit(X[:100], y[:100])
    theta0 = _theta0(clf)
    _, g = Objective(clf.model_, X[:100], y[:100], 10, clf.dt_)(theta0)
    m = clf.model_.n_nodes - clf.model_.n_classes
    scale = np.ones_like(g)
    scale[-m:] = rho                     # CVFR: theta = (Phi_tr, lambda_tr), no gamma
    step = first[0] - theta0
    d = -scale * g
    t = step @ d / (d @ d)
    # the first quasi-Newton step is along -rho * g (not along -g)
    assert t > 0
    np.testing.assert_allclose(step, t * d, rtol=0, atol=1e-8 * np.abs(step).max())
    assert np.linalg.norm(step - (step @ g / (g @ g)) * g) > 0.1 * np.linalg.norm(step)


def test_input_scale_scales_the_initial_condition(digits):
    X, y, Xt, _ = digits
    kw = dict(model="cvfr", steps=10, n_nodes=70, optimizer="adam", maxiter=2, batch_size=100, seed=0,
              training_noise=0.0, **PLAIN)
    scaled = AttractorClassifier(input_scale=0.1, **kw).fit(X[:200], y[:200])
    ref = AttractorClassifier(input_scale=1.0, **kw).fit(0.1 * X[:200], y[:200])    # x(0) = pixels, scaled
    np.testing.assert_array_equal(scaled.params_.phi_tr, ref.params_.phi_tr)
    np.testing.assert_array_equal(scaled.predict(Xt[:50]), ref.predict(0.1 * Xt[:50]))
    s0 = scaled.trajectories(Xt[:5], steps=1).state.isel(time=0).values
    np.testing.assert_allclose(s0[:, :64], 0.1 * Xt[:5])
    np.testing.assert_array_equal(s0[:, 64:], 0.0)                    # zero padding is not scaled away
    assert not np.array_equal(scaled.params_.phi_tr,
                              AttractorClassifier(input_scale=1.0, **kw).fit(X[:200], y[:200]).params_.phi_tr)
    with pytest.raises(ValueError, match="input_scale"):
        AttractorClassifier(input_scale=0.0, **kw).fit(X[:200], y[:200])
    with pytest.raises(ValueError, match="lr_eigenvalues"):
        AttractorClassifier(lr_eigenvalues=-1.0, **kw).fit(X[:200], y[:200])


def test_deterministic_counterpart_keeps_the_trained_coupling(digits):
    """Same Φ_tr, λ_tr, γ, no noise: its orbit is the plain Euler recursion x ← x + Δt(−x + βW r(x))."""
    X, y, Xt, _ = digits
    sto = AttractorClassifier(model="cvfr-stochastic", sigma=3.0, steps=10, n_nodes=70, input_scale=0.1,
                              optimizer="adam", maxiter=2, batch_size=100, seed=0).fit(X[:200], y[:200])
    det = sto.deterministic()
    assert det.get_params()["model"] == "cvfr" and det.model_.sigma == 0.0 and det.model_.name == "cvfr"
    assert sto.model_.sigma == 3.0                                    # the original is untouched
    for name in ("phi_tr", "lam_tr", "gamma"):
        np.testing.assert_array_equal(getattr(det.params_, name), getattr(sto.params_, name))
    m = det.model_
    W = m.coupling(det.params_).A
    x = det.trajectories(Xt[:6], steps=1).state.isel(time=0).values
    for _ in range(det.eval_steps_):
        x = x + det.dt_ * (-x + m.beta * (x * x / (m.gamma_r + x * x)) @ W.T)
    final = det.trajectories(Xt[:6]).state.isel(time=-1).values
    np.testing.assert_allclose(final, x, rtol=1e-10, atol=1e-14)
    noisy = sto.trajectories(Xt[:6]).state.isel(time=-1).values
    assert np.max(np.abs(noisy - x)) > 1e-3 * np.max(np.abs(x))       # the stochastic model does move off it
    plain = AttractorClassifier(model="cvfr", steps=10, n_nodes=70, maxiter=1, seed=0).fit(X[:100], y[:100])
    np.testing.assert_array_equal(plain.deterministic().predict(Xt), plain.predict(Xt))


def test_training_noise_fits_the_deterministic_counterpart(digits, tmp_path):
    """model='cvfr' with training_noise = the stochastic fit with that sigma, then deterministic()."""
    X, y, Xt, _ = digits
    kw = dict(steps=10, n_nodes=70, input_scale=0.1, optimizer="adam", maxiter=2, batch_size=100, seed=0)
    sto = AttractorClassifier(model="cvfr-stochastic", sigma=3.0, **kw).fit(X[:200], y[:200]).deterministic()
    tn = AttractorClassifier(model="cvfr", training_noise=3.0, **kw).fit(X[:200], y[:200])
    assert tn.model_.sigma == 0.0 and tn.model_.name == "cvfr"
    np.testing.assert_array_equal(tn.params_.phi_tr, sto.params_.phi_tr)
    np.testing.assert_array_equal(tn.predict(Xt), sto.predict(Xt))
    plain = AttractorClassifier(model="cvfr", training_noise=0.0, **kw).fit(X[:200], y[:200])
    assert not np.array_equal(plain.params_.phi_tr, tn.params_.phi_tr)       # the noise did act in training
    back = AttractorClassifier.from_dataset(tn.to_dataset())
    np.testing.assert_array_equal(back.predict(Xt), tn.predict(Xt))
    for bad in (dict(model="cvfr-stochastic", training_noise=1.0), dict(model="sa-node", training_noise=1.0),
                dict(model="cvfr", sigma=0.5, training_noise=1.0), dict(model="cvfr", training_noise=-1.0)):
        with pytest.raises(ValueError, match="training_noise"):
            AttractorClassifier(**{**kw, **bad}).fit(X[:50], y[:50])


@pytest.fixture
def objective_inputs(monkeypatch):
    """The list of the item arrays every training objective is built on, filled as training runs."""
    import snt.classify.training as training

    seen = []

    class Recording(training.Objective):
        def __init__(self, model, Xb, *a, **k):
            seen.append(Xb.copy())
            super().__init__(model, Xb, *a, **k)

    monkeypatch.setattr(training, "Objective", Recording)
    return seen


@pytest.fixture
def objective_calls(monkeypatch):
    """The list of ``(theta, gradient)`` of every training objective evaluation, filled as training runs."""
    import snt.classify.training as training

    calls = []

    class Recording(training.Objective):
        def __call__(self, theta):
            f, g = super().__call__(theta)
            calls.append((theta.copy(), g.copy()))
            return f, g

    monkeypatch.setattr(training, "Objective", Recording)
    return calls


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_input_noise_perturbs_only_the_training_features(digits, objective_inputs, optimizer):
    """Objective sees X + input_scale·σ·ζ on the features, the padding untouched; fresh draws per Adam batch."""
    X, y, Xt, _ = digits
    seen = objective_inputs
    sigma, scale = 0.2, 0.5
    kw = dict(model="sa-node", steps=5, n_nodes=80, optimizer=optimizer, maxiter=2, batch_size=100,
              input_scale=scale, seed=0)
    zeros = np.zeros((400, 64))                        # clean items all 0: what the objective sees is the noise
    with pytest.warns(RuntimeWarning, match="chance level"):       # identical items: a class-blind fit
        AttractorClassifier(input_noise=sigma, **kw).fit(zeros, y[:400])
    noise = np.concatenate(seen)
    assert noise.shape[1] == 80
    np.testing.assert_array_equal(noise[:, 64:], 0.0)
    n = noise[:, :64].size                             # >= 400 x 64 draws: the std to ~0.2 %
    assert abs(noise[:, :64].std() / (scale * sigma) - 1) < 5 / np.sqrt(2 * n)
    assert abs(noise[:, :64].mean()) < 5 * scale * sigma / np.sqrt(n)
    if optimizer == "adam":                            # 4 batches per epoch, 2 epochs: 8 different draws
        assert len(seen) == 8 and not np.array_equal(seen[0], seen[4])
    # the clean model is unchanged by input_noise=0, reproducible with it, and predicts on clean items
    seen.clear()
    a = AttractorClassifier(input_noise=0.0, **kw).fit(X[:400], y[:400])
    b = AttractorClassifier(input_noise=0.0, **kw).fit(X[:400], y[:400])
    np.testing.assert_array_equal(a.params_.phi_tr, b.params_.phi_tr)
    c = AttractorClassifier(input_noise=sigma, **kw).fit(X[:400], y[:400])
    d = AttractorClassifier(input_noise=sigma, **kw).fit(X[:400], y[:400])
    np.testing.assert_array_equal(c.params_.phi_tr, d.params_.phi_tr)
    assert not np.array_equal(a.params_.phi_tr, c.params_.phi_tr)
    seen.clear()
    ref = c.model_.predict_outputs(c.params_, c._pad(Xt[:20]), c.eval_steps_, c.dt_)
    np.testing.assert_array_equal(c.predict(Xt[:20]), np.argmin(
        ((ref[:, None, :] - c.attractors_[None]) ** 2).sum(-1), axis=1))
    assert seen == []                                  # prediction never builds a (noisy) training objective
    for bad in (-0.1, np.nan, True, "0.1"):
        with pytest.raises(ValueError, match="input_noise"):
            AttractorClassifier(input_noise=bad, **kw).fit(X[:50], y[:50])


def test_input_noise_is_repeated_on_resume(digits, tmp_path):
    X, y, _, _ = digits
    kw = dict(model="sa-node", steps=8, n_nodes=64, optimizer="adam", batch_size=100, lr=1e-2, seed=3,
              input_noise=0.1, maxiter=3)
    full = AttractorClassifier(**kw).fit(X[:300], y[:300])
    ck = tmp_path / "ck.npz"

    def stop_after_one(r):
        if r.nit == 1:
            raise StopIteration

    AttractorClassifier(checkpoint=ck, callback=stop_after_one, **kw).fit(X[:300], y[:300])
    resumed = AttractorClassifier(checkpoint=ck, **kw).fit(X[:300], y[:300])
    np.testing.assert_allclose(resumed.params_.phi_tr, full.params_.phi_tr, rtol=1e-10, atol=1e-12)


def test_input_noise_keeps_wilson_cowan_initial_fractions_in_the_unit_interval(digits, objective_inputs):
    """x(0) = y(0) are population fractions: the noisy items are clipped to [0, 1], i.e. max(0, σζ) on a
    blank pixel (half of them 0, mean σ/√(2π)) and min(1, 1 + σζ) on a saturated one."""
    _, y, _, _ = digits
    seen = objective_inputs
    sigma = 0.3
    X = np.zeros((400, 64))
    X[:, 32:] = 1.0
    AttractorClassifier(model="wilson-cowan", steps=3, n_nodes=70, optimizer="adam", maxiter=1, batch_size=200,
                        input_noise=sigma, seed=0).fit(X, y[:400])
    x0 = np.concatenate(seen)
    blank, full = x0[:, :32], x0[:, 32:64]
    assert blank.min() == 0.0 and full.max() == 1.0
    n = blank.size
    assert abs(np.mean(blank == 0.0) - 0.5) < 5 * 0.5 / np.sqrt(n)
    assert abs(blank.mean() - sigma / np.sqrt(2 * np.pi)) < 5 * sigma / np.sqrt(n)
    assert abs((1.0 - full).mean() - sigma / np.sqrt(2 * np.pi)) < 5 * sigma / np.sqrt(n)
    np.testing.assert_array_equal(x0[:, 64:], 0.0)


def test_clip_norm_rescales_large_minibatch_gradients(digits, objective_calls):
    """Each Adam step equals the box-projected Keras Adam step on g·min(1, c/|g|), replayed from the
    recorded gradients; n_clipped counts the batches above c."""
    import snt.classify.training as training
    from snt.classify.objective import bounds

    X, y, _, _ = digits
    calls = objective_calls
    kw = dict(model="wilson-cowan", steps=6, n_nodes=70, optimizer="adam", maxiter=2, batch_size=50, lr=0.05,
              enforce_stability=False, seed=0, lr_eigenvalues=0.05, **PLAIN)
    AttractorClassifier(**kw).fit(X[:300], y[:300])
    c = float(np.median([np.linalg.norm(g) for _, g in calls]))      # half the batches get clipped
    calls.clear()
    clf = AttractorClassifier(clip_norm=c, **kw).fit(X[:300], y[:300])
    norms = np.array([np.linalg.norm(g) for _, g in calls])
    assert clf.result_.n_clipped == np.sum(norms > c) and 0 < clf.result_.n_clipped < len(calls)
    lower, upper = bounds(clf.model_, clf.dt_)
    state = {"m": 0.0, "v": 0.0, "t": 0}
    thetas = [t for t, _ in calls] + [clf.result_.x]
    for k, (theta, g) in enumerate(calls):
        step = np.clip(training.adam_step(theta, g * min(1.0, c / norms[k]), state, 0.05), lower, upper)
        np.testing.assert_allclose(step, thetas[k + 1], rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="clip_norm"):
        AttractorClassifier(**{**kw, "clip_norm": 0.0}).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="clip_norm"):
        AttractorClassifier(**{**kw, "clip_norm": 1.0, "optimizer": "lbfgs"}).fit(X[:50], y[:50])


def test_lr_milestones_step_schedule(digits, objective_calls, tmp_path):
    """Replayed Adam steps use the rate lr·decay^(e-1)·drop^#(milestones < e) in epoch e; a run interrupted
    at a milestone and resumed from its checkpoint ends where the uninterrupted run does."""
    import snt.classify.training as training
    from snt.classify.objective import bounds

    X, y, _, _ = digits
    calls = objective_calls
    kw = dict(model="wilson-cowan", steps=5, n_nodes=70, optimizer="adam", maxiter=4, batch_size=100, lr=0.05,
              lr_decay=0.9, lr_milestones=(1, 3), lr_drop=0.3, enforce_stability=False, seed=0,
              lr_eigenvalues=0.05, input_noise=0.0)
    clf = AttractorClassifier(**kw).fit(X[:300], y[:300])
    assert len(calls) == 12                                     # 4 epochs of 3 batches
    lower, upper = bounds(clf.model_, clf.dt_)
    state = {"m": 0.0, "v": 0.0, "t": 0}
    thetas = [t for t, _ in calls] + [clf.result_.x]
    rates = [0.05, 0.05 * 0.9 * 0.3, 0.05 * 0.81 * 0.3, 0.05 * 0.729 * 0.09]
    for k, (theta, g) in enumerate(calls):
        step = np.clip(training.adam_step(theta, g, state, rates[k // 3]), lower, upper)
        np.testing.assert_allclose(step, thetas[k + 1], rtol=1e-12, atol=1e-14)
    ck = tmp_path / "ck.npz"
    AttractorClassifier(**{**kw, "maxiter": 3}, checkpoint=ck).fit(X[:300], y[:300])
    calls.clear()
    resumed = AttractorClassifier(**kw, checkpoint=ck).fit(X[:300], y[:300])
    assert len(calls) == 3                                      # only epoch 4 was run
    np.testing.assert_array_equal(resumed.result_.x, clf.result_.x)
    for bad in ([3, 2], [0], 2.5, [1.5]):
        with pytest.raises(ValueError, match="lr_milestones"):
            AttractorClassifier(**{**kw, "lr_milestones": bad}).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="lr_drop"):
        AttractorClassifier(**{**kw, "lr_drop": 0.0}).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="lr_milestones"):
        AttractorClassifier(**{**kw, "optimizer": "lbfgs"}).fit(X[:50], y[:50])


@pytest.mark.parametrize("table,name", [("DIGITS", n) for n in presets.DIGITS]
                         + [("FASHION", n) for n in presets.FASHION])
def test_every_preset_trains(digits, table, name):
    """Each preset is a valid setting of the estimator: one Adam epoch on 200 digits with exactly its parameters
    (the Fashion-MNIST ones pad the 64 pixels to their network size) leaves the planted patterns fixed points
    and the attractors stable."""
    X, y, _, _ = digits
    settings = {**getattr(presets, table)[name], "maxiter": 1}
    preset = {"DIGITS": "digits", "FASHION": "fashion-mnist"}[table]
    clf = AttractorClassifier(model=name, seed=0, preset=preset, **settings).fit(X[:200], y[:200])
    params = clf.get_params()
    assert all(params[k] == v for k, v in settings.items())
    assert clf.result_.nit == 1
    # the default size is max(F, 2 (K + 2), min(2F, 128)) for F features
    assert clf.model_.n_nodes == settings.get("n_nodes", 128)
    # the preset by name gives the same settings
    by_name = AttractorClassifier(model=name, seed=0, preset=preset, maxiter=1).fit(X[:200], y[:200])
    assert all(getattr(by_name.config_, k) == v for k, v in settings.items())
    assert by_name.config_ == clf.config_
    np.testing.assert_array_equal(by_name.params_.phi_tr, clf.params_.phi_tr)
    assert clf.result_.max_residual < 1e-10
    assert clf.result_.max_growth_rate < 0
    assert set(np.unique(clf.predict(X[:50]))) <= set(range(10))


def test_lr_warmup_ramps_the_adam_rate(digits, objective_calls):
    """Replayed Adam steps use lr·min(1, e/(w+1)) in epoch e (w = lr_warmup)."""
    import snt.classify.training as training
    from snt.classify.objective import bounds

    X, y, _, _ = digits
    kw = dict(model="snt-map", steps=5, n_nodes=64, maxiter=3, batch_size=100, lr=0.01, lr_decay=1.0,
              lr_eigenvalues=0.01, lr_warmup=2, enforce_stability=False, random_state=0)
    clf = AttractorClassifier(**kw).fit(X[:200], y[:200])
    calls = objective_calls
    assert len(calls) == 6 and clf.config_.lr_warmup == 2
    lower, upper = bounds(clf.model_, clf.dt_)
    state = {"m": 0.0, "v": 0.0, "t": 0}
    thetas = [t for t, _ in calls] + [clf.result_.x]
    for k, (theta, g) in enumerate(calls):
        rate = 0.01 * min(1.0, (k // 2 + 1) / 3)
        np.testing.assert_allclose(np.clip(training.adam_step(theta, g, state, rate), lower, upper), thetas[k + 1],
                                   rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="lr_warmup"):
        AttractorClassifier(**{**kw, "lr_warmup": -1}).fit(X[:50], y[:50])


def test_defaults_work_on_the_digits(digits):
    """With no options (the SNT map, the fastest model; every model in the slow suite): the held-out 20 %
    above 0.96, settings derived from the data and recorded, the digits recipe otherwise."""
    X, y, Xt, yt = digits
    clf = AttractorClassifier(model="snt-map", random_state=0).fit(X, y)
    cfg = clf.config_
    assert (cfg.n_nodes, cfg.batch_size, cfg.maxiter, cfg.input_scale) == (128, 32, 30, 1.0)
    assert cfg.lr_decay == pytest.approx(presets.DIGITS["snt-map"]["lr_decay"], rel=1e-12)
    assert cfg.loss == "xent" and cfg.init == "complement" and cfg.optimizer == "adam"
    assert clf.score(Xt, yt) >= 0.96
    # on 60 000 items of 784 features: the papers' network size, batches of 200, as many Adam steps
    big = clf._settings().resolve(60000, 784, 10)
    assert (big.n_nodes, big.batch_size, big.maxiter) == (784, 200, 5)
    assert big.lr_decay ** big.maxiter == pytest.approx(cfg.lr_decay ** cfg.maxiter, rel=1e-12)


@pytest.mark.parametrize("preset", ["paper", "digits", "fashion-mnist", "mnist"])
def test_presets_by_name(preset):
    from snt.classify.config import Settings

    for model, table in presets.PRESETS[preset].items():
        cfg = Settings(model=model, preset=preset, steps=7).resolve(1000, 64, 10)
        assert cfg.steps == 7                                              # explicit values win
        assert all(getattr(cfg, k) == v for k, v in table.items() if k != "steps")
    with pytest.raises(ValueError, match="preset must be one of"):
        Settings(preset="imagenet")
    # an Adam-only setting of a recipe is dropped with another optimizer, refused when given
    assert Settings(model="wilson-cowan", optimizer="lbfgs").resolve(1000, 64, 10).clip_norm is None
    assert Settings(model="wilson-cowan").resolve(1000, 64, 10).clip_norm == 100.0
    with pytest.raises(ValueError, match="clip_norm"):
        Settings(model="wilson-cowan", optimizer="lbfgs", clip_norm=5.0).resolve(1000, 64, 10)


def test_results_carry_provenance_and_units(trained, digits, tmp_path):
    import snt
    from snt import io

    _, _, Xt, _ = digits
    for ds in (trained.trajectories(Xt[:3]), trained.stability(), trained.to_dataset()):
        assert ds.attrs["source"] == f"snt {snt.__version__}"
        params = json.loads(ds.attrs["parameters"])
        assert params["model"] == "sa-node" and params["n_nodes"] == 64 and params["steps"] == 30
        for name, var in ds.variables.items():
            assert "long_name" in var.attrs and "units" in var.attrs, name
        path = tmp_path / f"{ds.attrs['title'][:12].replace(' ', '_')}.nc"
        io.save(ds, path)                                         # the package's writer accepts it
        xr.testing.assert_identical(io.open(path), ds)
    traj = trained.trajectories(Xt[:3])
    assert traj.time.attrs["units"] == "model time unit" and traj.step.attrs["units"] == "step"
    np.testing.assert_allclose(traj.time.values, traj.step.values * trained.dt_)
    assert trained.stability().growth_rate.attrs["units"] == "1/(model time unit)"


def test_training_buffers_are_checked_against_the_memory_before_allocation(monkeypatch):
    from snt import _memory
    from snt.classify.base import Workspace

    monkeypatch.setattr(_memory, "available_bytes", lambda: 1 << 20)   # a machine with 1 MiB free
    ws = Workspace()
    assert ws.get("S", (10, 20, 30), np.float64).shape == (10, 20, 30)  # 48 kB: fits
    with pytest.raises(MemoryError, match="batch_size"):
        ws.get("S", (101, 200, 784), np.float64)                       # 127 MB: refused, naming the size


def test_few_features_are_tiled_over_the_nodes():
    # Wilson-Cowan and CVFR on 2-4 features: zero-padded to their 8-10 nodes the fits ended class-blind
    # (blobs 0.61 / 0.44, iris 0.32 / 0.32); 64 nodes with the item repeated over them train
    from sklearn.datasets import make_blobs
    from sklearn.model_selection import train_test_split

    from snt.classify.config import Settings

    for model in ("wilson-cowan", "cvfr"):
        cfg = Settings(model=model).resolve(300, 2, 3)
        assert (cfg.n_nodes, cfg.input_map) == (64, "tile")
        digits = Settings(model=model).resolve(1437, 64, 10)             # the validated recipes: unchanged
        assert (digits.n_nodes, digits.input_map) == (128, "pad")
    assert Settings(model="sa-node").resolve(300, 2, 3).input_map == "pad"
    with pytest.raises(ValueError, match="input_map='tile'"):
        Settings(model="rsn", input_map="tile").resolve(300, 2, 3)
    with pytest.raises(ValueError, match="input_map"):
        Settings(input_map="repeat")
    X, y = make_blobs(400, centers=3, n_features=2, random_state=0)
    X = MinMaxScaler().fit_transform(X)
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)                   # no chance-level warning
        clf = AttractorClassifier(model="wilson-cowan", random_state=0).fit(Xa, ya)
    assert clf.score(Xb, yb) >= 0.8                                       # measured 0.91
    s = clf.config_.input_scale
    np.testing.assert_array_equal(clf._pad(Xb[:3]), s * np.tile(Xb[:3], 32))
    from dataclasses import replace

    clf.config_ = replace(clf.config_, input_map=None)                   # a file saved before the option
    np.testing.assert_array_equal(clf._pad(Xb[:3])[:, 2:], 0.0)
