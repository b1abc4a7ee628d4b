"""save/open round trips and the command line."""

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
