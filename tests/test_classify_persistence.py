"""Saved classifiers: the current layout, the older layout read through its documented migration, a newer
layout refused."""

import json

import numpy as np
import pytest
import xarray as xr

from snt.classify import AttractorClassifier
from snt.classify.data import check_classifier_dataset
from snt.classify.results import FORMAT_VERSION, _v1_value, format_version, migrate
from snt.errors import UnsupportedVersionError


@pytest.fixture(scope="module")
def fitted(digits):
    X, y, _, _ = digits
    clf = AttractorClassifier(model="sa-node", steps=12, n_nodes=64, maxiter=2, batch_size=100, lr=1e-2,
                              random_state=0)
    return clf.fit(X[:300], y[:300])


def _layout_1(clf):
    """The file the estimator wrote before the settings table (format version 1), spelled out as it was: the
    estimator's parameters under ``snt_params`` (tuples and arrays as their str), the network size and the
    horizon as attributes, the labels 0 .. K-1 given by ``n_classes``, no class coordinate."""
    cfg = clf.config_
    old_params = {
        "model": "eodeca", "steps": cfg.steps, "dt": cfg.dt, "eval_steps": cfg.eval_steps, "n_nodes": None,
        "dtype": "float64", "optimizer": "adam", "maxiter": cfg.maxiter, "batch_size": cfg.batch_size,
        "validation": 0.0, "patience": 10, "lr": cfg.lr, "lr_decay": cfg.lr_decay, "lr_milestones": "(2, 3)",
        "lr_drop": 0.1, "lr_eigenvalues": cfg.lr_eigenvalues, "lr_gamma": None, "ema": None,
        "input_scale": cfg.input_scale, "readout": "nearest", "sigma": None, "training_noise": None,
        "input_noise": cfg.input_noise, "clip_norm": None, "init": cfg.init, "loss": cfg.loss,
        "temperature": cfg.temperature, "enforce_stability": True, "n_threads": None, "seed": 0,
        "verbose": False}
    p, h = clf.params_, clf.result_.history
    return xr.Dataset(
        {"phi_tr": (("node", "mode"), p.phi_tr), "lam_tr": (("mode",), p.lam_tr), "gamma": ((), p.gamma),
         "loss": (("iteration",), np.asarray(h["loss"], float)),
         "val_accuracy": (("iteration",), np.asarray(h["val_accuracy"], float))},
        attrs={"title": "snt planted-attractor classifier", "model": clf.model_.name,
               "snt_params": json.dumps(old_params), "n_features_in": int(clf.n_features_in_),
               "n_classes": len(clf.classes_), "n_nodes": int(clf.model_.n_nodes), "steps": int(clf.steps_),
               "dt": float(clf.dt_), "eval_steps": int(clf.eval_steps_), "train_time": 1.5,
               "message": "done", "nit": int(clf.result_.nit)})


def test_current_layout_is_versioned(fitted, digits, tmp_path):
    _, _, Xt, _ = digits
    ds = fitted.to_dataset()
    assert ds.attrs["format_version"] == FORMAT_VERSION == 2
    path = tmp_path / "m.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    back = AttractorClassifier.from_dataset(xr.open_dataset(path, engine="h5netcdf").load())
    np.testing.assert_array_equal(back.predict(Xt), fitted.predict(Xt))
    # a file of the current layout written before the attribute existed
    del ds.attrs["format_version"]
    assert format_version(ds) == 2
    np.testing.assert_array_equal(AttractorClassifier.from_dataset(ds).predict(Xt[:50]), fitted.predict(Xt[:50]))


def test_layout_1_loads_through_the_migration(fitted, digits, tmp_path):
    _, _, Xt, yt = digits
    path = tmp_path / "old.nc"
    _layout_1(fitted).to_netcdf(path, engine="h5netcdf")
    old = xr.open_dataset(path, engine="h5netcdf").load()
    assert format_version(old) == 1
    clf = AttractorClassifier.from_dataset(old)
    np.testing.assert_array_equal(clf.predict(Xt), fitted.predict(Xt))
    assert clf.score(Xt, yt) == fitted.score(Xt, yt)
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    cfg = clf.config_
    assert (cfg.model, cfg.n_nodes, cfg.steps, cfg.dt, cfg.eval_steps) == ("sa-node", 64, 12, fitted.dt_, 12)
    assert cfg.lr_milestones == (2, 3) and cfg.random_state is None and cfg.rng_seed == 0
    assert clf.get_params()["n_nodes"] is None           # the estimator's parameters as they were given
    assert np.isnan(clf.result_.train_accuracy) and clf.result_.nit == fitted.result_.nit
    # the migrated file is of the current layout, and saving it again writes that layout
    new = migrate(old)
    assert new.attrs["format_version"] == FORMAT_VERSION and "snt_params" not in new.attrs
    assert "n_nodes" not in new.attrs and json.loads(new.attrs["parameters"])["n_nodes"] == 64
    assert clf.to_dataset().attrs["format_version"] == FORMAT_VERSION
    assert old.attrs["snt_params"]                       # the input is not modified


def test_layout_1_values_stored_as_str():
    assert _v1_value("lr_milestones", "(12, 15)") == (12, 15)
    assert _v1_value("sigma", "[0.1 0.25]") == (0.1, 0.25)
    assert _v1_value("dtype", "<class 'numpy.float32'>") == "float32"
    assert _v1_value("lr", 0.01) == 0.01


def test_newer_layout_is_refused(fitted):
    ds = fitted.to_dataset()
    ds.attrs["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(UnsupportedVersionError, match=rf"format version {FORMAT_VERSION + 1} .*reads format "
                                                      rf"versions 1 to {FORMAT_VERSION}"):
        AttractorClassifier.from_dataset(ds)
    with pytest.raises(ValueError, match="model_file 'x.nc'"):
        check_classifier_dataset(ds, source="model_file 'x.nc'")


def test_layout_1_missing_attribute_named(fitted):
    ds = _layout_1(fitted)
    del ds.attrs["eval_steps"]
    with pytest.raises(ValueError, match="eval_steps"):
        AttractorClassifier.from_dataset(ds)
