"""save/open round trips and the command line."""

import importlib

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import snt
from snt import cli


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_round_trip_is_exact(tmp_path, suffix):
    net = snt.Ensemble(N=30, g=2.0, gamma=0.3, sigma=0.2).sample(seed=1)
    ds = snt.simulate(net, 40, trials=3, transient=5, record_every=2, seed=2)
    path = snt.save(ds, tmp_path / f"run{suffix}")
    back = snt.open(path)
    xr.testing.assert_identical(ds, back)
    assert back.diverged.dtype == bool


@settings(max_examples=5)
@given(trials=st.integers(1, 3), steps=st.integers(1, 6), N=st.integers(1, 5), every=st.integers(1, 3))
def test_round_trip_property(tmp_path_factory, trials, steps, N, every):
    net = snt.Network(np.full((N, N), 0.3), g=1.0)
    ds = snt.simulate(net, steps, trials=trials, record_every=every, seed=0)
    assert ds.u.shape == (trials, -(-steps // every), N)
    path = tmp_path_factory.mktemp("rt") / "x.nc"
    xr.testing.assert_identical(snt.open(snt.save(ds, path)), ds)


def test_save_refuses_what_a_file_cannot_hold(tmp_path):
    ds = xr.Dataset({"a": ("x", [1.0])}, attrs={"bad": {"k": 1}})
    with pytest.raises(TypeError, match="JSON"):
        snt.save(ds, tmp_path / "a.nc")
    with pytest.raises(ValueError, match="unknown format"):
        snt.save(xr.Dataset(), tmp_path / "a.csv")
    with pytest.raises(FileNotFoundError):
        snt.open(tmp_path / "missing.nc")
    snt.save(xr.Dataset(), tmp_path / "b.nc")
    with pytest.raises(FileExistsError):
        snt.save(xr.Dataset(), tmp_path / "b.nc", overwrite=False)


def test_cli_simulate_writes_the_dataset(tmp_path, capsys):
    out = tmp_path / "run.nc"
    rc = cli.main(["simulate", "--N", "50", "--g", "1.5", "--gamma", "0.5", "--steps", "30", "--trials", "2",
                   "--transient", "10", "--seed", "3", "-o", str(out), "-q"])
    assert rc == 0
    assert "wrote" in capsys.readouterr().out
    ds = snt.open(out)
    again = snt.simulate(snt.Ensemble(N=50, g=1.5, gamma=0.5, sigma=0.1).sample(seed=1), 30, trials=2,
                         transient=10, seed=3)
    np.testing.assert_array_equal(ds.u.values, again.u.values)


def test_cli_reports_bad_input(tmp_path, capsys):
    rc = cli.main(["simulate", "--gamma", "1.0", "-o", str(tmp_path / "x.nc"), "-q"])
    assert rc == 2
    assert "gamma must be in [0.0, 1.0)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["simulate", "--help"])


def _stored(tmp_path, suffix):
    ds = xr.Dataset({"a": (("x", "y"), np.arange(12.0).reshape(4, 3), {"long_name": "a"})},
                    coords={"x": [0, 1, 2, 3]}, attrs={"title": "t"})
    path = snt.save(ds.chunk({"x": 1}) if suffix == ".zarr" else ds, tmp_path / f"a{suffix}")
    return ds, path


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
def test_saving_a_lazy_dataset_onto_its_own_file_keeps_the_data(tmp_path, suffix):
    ds, path = _stored(tmp_path, suffix)
    lazy = snt.open(path, lazy=True)
    snt.save(lazy, path)
    lazy.close()
    xr.testing.assert_identical(snt.open(path), ds)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left behind


def test_an_interrupted_save_leaves_the_old_file(tmp_path, monkeypatch):
    ds, path = _stored(tmp_path, ".zarr")

    original = xr.Dataset.to_zarr

    def boom(self, *args, **kwargs):  # the disk fills up at the end of the write
        original(self, *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_zarr", boom)
    with pytest.raises(OSError, match="disk full"):
        snt.save(ds * 2, path)
    monkeypatch.undo()
    xr.testing.assert_identical(snt.open(path), ds)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def _chunk(path, var, index):
    return path / var / "c" / str(index) / "0"


@pytest.mark.parametrize("lazy", [False, True])
def test_open_refuses_a_store_with_a_missing_or_torn_chunk(tmp_path, lazy):
    _, path = _stored(tmp_path, ".zarr")
    _chunk(path, "a", 2).unlink()
    with pytest.raises(ValueError, match=r"a\.zarr.*chunk c/2/0 of 'a' is missing"):
        snt.open(path, lazy=lazy)
    _, path = _stored(tmp_path, ".zarr")
    f = _chunk(path, "a", 1)
    f.write_bytes(f.read_bytes()[:-3])
    with pytest.raises(ValueError, match=r"a\.zarr.*chunk c/1/0 of 'a' is damaged"):
        snt.open(path, lazy=lazy).load()


@pytest.mark.parametrize("make,words", [
    (lambda p: p.mkdir(), "not a zarr store"),
    (lambda p: (p.mkdir(), (p / "zarr.json").write_text("{not json")), "cannot be read"),
])
def test_open_names_a_broken_zarr_directory(tmp_path, make, words):
    path = tmp_path / "broken.zarr"
    make(path)
    with pytest.raises(ValueError, match=f"broken.zarr.*{words}"):
        snt.open(path)


@pytest.mark.parametrize("content,words", [
    (b"", "not a netCDF-4/HDF5 file"),
    (b"garbage " * 64, "not a netCDF-4/HDF5 file"),
    (None, "cannot be read.*truncated"),
])
def test_open_names_a_broken_netcdf_file(tmp_path, content, words):
    path = tmp_path / "broken.nc"
    if content is None:
        _, good = _stored(tmp_path, ".nc")
        data = good.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=f"broken.nc.*{words}"):
        snt.open(path)


def _never(*args, **kwargs):
    raise AssertionError("the computation started before the arguments were checked")


def test_cli_refuses_an_unwritable_output_before_computing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importlib.import_module("snt.simulate"), "simulate", _never)
    for output, words in [("out.txt", "unknown format"), (str(tmp_path / "no" / "dir" / "x.nc"), "does not exist")]:
        assert cli.main(["simulate", "--N", "20", "--steps", "5", "-q", "-o", output]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and "hint:" in err
    config = tmp_path / "c.toml"
    config.write_text('study = "lyapunov"\n[base]\nN = 20\n[grid]\ng = [0.5]\n')
    monkeypatch.setattr(importlib.import_module("snt.sweep"), "_compute_point", _never)
    assert cli.main(["sweep", str(config), "-o", str(tmp_path / "s.nc"), "--workers", "1", "-q"]) == 2
    assert "-o/--output" in capsys.readouterr().err


def test_cli_refuses_a_bad_scheduler_before_computing(tmp_path, capsys, monkeypatch):
    config = tmp_path / "c.toml"
    config.write_text('study = "lyapunov"\n[base]\nN = 20\n[grid]\ng = [0.5, 1.0]\n')
    monkeypatch.setattr(importlib.import_module("snt.sweep"), "_compute_point", _never)
    store = tmp_path / "s.zarr"
    assert cli.main(["sweep", str(config), "-o", str(store), "--scheduler", "localhost", "-q"]) == 2
    assert "not a scheduler address" in capsys.readouterr().err
    assert cli.main(["sweep", str(config), "-o", str(store), "--scheduler", "tcp://127.0.0.1:9", "-q"]) == 2
    err = capsys.readouterr().err
    assert "no dask scheduler answers" in err and "Traceback" not in err and len(err.strip().splitlines()) == 2
    assert not store.exists()


def test_cli_prints_package_errors_as_one_line_and_debug_shows_the_traceback(tmp_path, capsys):
    bad = tmp_path / "model.nc"
    bad.write_bytes(b"not a netCDF file")
    assert cli.main(["classify", "eval", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "model.nc" in err[0] and "not a netCDF-4/HDF5 file" in err[0]
    assert err[1].startswith("  hint:")
    with pytest.raises(ValueError, match="not a netCDF-4/HDF5 file"):
        cli.main(["classify", "eval", str(bad), "--debug"])
    not_a_model = tmp_path / "other.nc"
    snt.save(xr.Dataset({"a": ("x", [1.0])}), not_a_model)
    assert cli.main(["classify", "eval", str(not_a_model)]) == 2
    assert "not a classifier" in capsys.readouterr().err
