"""snt.sweep: seeds, storage, resume after a kill, a real dask cluster, bad input."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import snt
from snt._seeds import child

from . import sweep_studies

ROOT = Path(__file__).resolve().parents[1]
BASE = snt.Ensemble(N=30, J=1.0, g=1.0)
GRID = {"g": [0.5, 1.0, 1.5, 2.0], "gamma": [0.0, 0.5]}


def _serial(**kw):
    return snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, client="serial", progress=False, **kw)


def test_points_get_their_keyed_child_seed():
    ds = _serial()
    assert ds.m_mean.dims == ("g", "gamma", "trial") and ds.draw.shape == (4, 2, 3)
    root = np.random.SeedSequence(11)
    for p, (i, j) in enumerate(np.ndindex(4, 2)):
        expected = np.random.default_rng(child(child(root, p), 2)).standard_normal(3)
        np.testing.assert_array_equal(ds.draw.values[i, j], expected)
    assert ds.attrs["seed_entropy"] == "11" and "grid" in ds.attrs["parameters"]
    # common random numbers: every point draws the same
    crn = _serial(common_random_numbers=True)
    assert np.all(crn.draw.values == crn.draw.values[0, 0])


def test_store_equals_memory_and_reopens(tmp_path):
    mem = _serial()
    stored = _serial(store=tmp_path / "s.zarr")
    xr.testing.assert_equal(mem[["m_mean", "draw"]], stored[["m_mean", "draw"]])
    assert bool(stored.done.all())
    back = snt.open(tmp_path / "s.zarr")
    xr.testing.assert_equal(back[["m_mean", "draw"]], mem[["m_mean", "draw"]])


def test_killed_sweep_resumes_without_recomputing(tmp_path):
    store = tmp_path / "k.zarr"
    calls = tmp_path / "calls.txt"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import snt
        from tests import sweep_studies
        snt.sweep(sweep_studies.noisy_mean, {GRID!r}, base=snt.Ensemble(N=30, J=1.0, g=1.0), seed=11,
                  store={str(store)!r}, client="serial", progress=False)
    """)
    env = dict(os.environ, SNT_TEST_CALLS=str(calls), SNT_TEST_KILL_AT="1.5")
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr  # killed by SIGKILL at the first g = 1.5 point
    first = calls.read_text().split()
    assert first == ["0.5", "0.5", "1.0", "1.0", "1.5"]  # points in C order; died during the fifth
    calls.write_text("")
    os.environ["SNT_TEST_CALLS"] = str(calls)
    try:
        resumed = snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store=store, client="serial",
                            progress=False)
    finally:
        del os.environ["SNT_TEST_CALLS"]
    again = calls.read_text().split()
    assert again == ["1.5", "1.5", "2.0", "2.0"]  # only the four unfinished points
    xr.testing.assert_equal(resumed[["m_mean", "draw"]], _serial()[["m_mean", "draw"]])


def test_local_cluster_by_address_matches_serial_even_when_a_worker_dies(tmp_path):
    from distributed import LocalCluster

    marker = tmp_path / "died"
    os.environ["SNT_TEST_KILL_ONCE"] = str(marker)  # worker processes inherit it when they start
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            ds = snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store=tmp_path / "d.zarr",
                           client=cluster.scheduler_address, progress=False)
    finally:
        del os.environ["SNT_TEST_KILL_ONCE"]
    assert marker.exists()  # a worker really died at g = 1.0
    xr.testing.assert_equal(ds[["m_mean", "draw"]], _serial()[["m_mean", "draw"]])
    assert bool(ds.done.all())


@pytest.mark.parametrize("call,exc,words", [
    (lambda: snt.sweep(sweep_studies.noisy_mean, {}, base=BASE, client="serial"), ValueError, "non-empty"),
    (lambda: snt.sweep(sweep_studies.noisy_mean, {"gain": [1.0]}, base=BASE, client="serial"), ValueError,
     "not parameters"),
    (lambda: snt.sweep(sweep_studies.noisy_mean, {"g": [1.0, 1.0]}, base=BASE, client="serial"), ValueError,
     "repeated"),
    (lambda: snt.sweep(sweep_studies.noisy_mean, {"g": [1.0]}, base="net", client="serial"), TypeError, "base"),
    (lambda: snt.sweep("study", {"g": [1.0]}, base=BASE, client="serial"), TypeError, "callable"),
    (lambda: snt.sweep(sweep_studies.noisy_mean, {"g": [1.0]}, base=BASE, store="x.nc", client="serial"),
     ValueError, ".zarr"),
    (lambda: snt.sweep(sweep_studies.ragged, {"g": [0.5, 1.5]}, base=BASE, client="serial", progress=False),
     ValueError, "different layout"),
    (lambda: snt.sweep(lambda o, s: 3, {"g": [0.5]}, base=BASE, client="serial", progress=False), TypeError,
     "Dataset"),
])
def test_bad_input(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_store_of_another_sweep_is_refused(tmp_path):
    _serial(store=tmp_path / "a.zarr")
    with pytest.raises(ValueError, match="different sweep"):
        snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=12, store=tmp_path / "a.zarr", client="serial",
                  progress=False)
    ds = snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=12, store=tmp_path / "a.zarr",
                   client="serial", progress=False, overwrite=True)
    assert ds.attrs["seed_entropy"] == "12"
