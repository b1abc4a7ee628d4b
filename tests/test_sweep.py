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


def _constant(c):
    return lambda obj, seed: xr.Dataset({"x": ((), float(c))})


def test_a_different_study_with_the_same_name_is_refused(tmp_path):
    store = tmp_path / "same-name.zarr"
    kw = dict(base=BASE, seed=0, store=store, client="serial", progress=False)
    namespace = {}
    exec("import xarray as xr\ndef study(obj, seed):\n    return xr.Dataset({'x': ((), 1.0)})", namespace)
    first = namespace["study"]
    assert float(snt.sweep(first, {"g": [1.0, 2.0]}, **kw).x[0]) == 1.0
    exec("import xarray as xr\ndef study(obj, seed):\n    return xr.Dataset({'x': ((), 2.0)})", namespace)
    edited = namespace["study"]  # same module and qualified name, other code
    assert edited.__qualname__ == first.__qualname__ and edited.__module__ == first.__module__
    with pytest.raises(ValueError, match="differs in: study code.*overwrite=True"):
        snt.sweep(edited, {"g": [1.0, 2.0]}, **kw)
    # two lambdas that differ only by the value they captured
    with pytest.raises(ValueError, match="study code"):
        snt.sweep(_constant(3), {"g": [1.0, 2.0]}, **kw)
    other = tmp_path / "closure.zarr"
    snt.sweep(_constant(3), {"g": [1.0]}, **{**kw, "store": other})
    with pytest.raises(ValueError, match="study code"):
        snt.sweep(_constant(4), {"g": [1.0]}, **{**kw, "store": other})
    # the same study resumes; overwrite starts afresh
    assert float(snt.sweep(_constant(3), {"g": [1.0]}, **{**kw, "store": other}).x[0]) == 3.0
    assert float(snt.sweep(edited, {"g": [1.0, 2.0]}, **kw, overwrite=True).x[0]) == 2.0


def test_identity_of_a_study_is_stable_across_processes():
    code = ("import sys; sys.path.append({root!r}); from snt.sweep import study_identity; "
            "from tests import sweep_studies; print(study_identity(sweep_studies.noisy_mean)['code'])")
    out = subprocess.run([sys.executable, "-c", code.format(root=str(ROOT))], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    from snt.sweep_store import study_identity

    assert out == study_identity(sweep_studies.noisy_mean)["code"]


def test_missing_chunk_of_a_done_point_is_recomputed_and_open_refuses(tmp_path, monkeypatch):
    from snt import sweep_store

    store = tmp_path / "m.zarr"
    reference = _serial()
    monkeypatch.setattr(sweep_store, "CHUNK_BYTES", 48)  # "draw" is 24 bytes a point: blocks of 1 x 2 points
    _serial(store=store)
    assert snt.open(store).done.encoding["chunks"] == (1, 2)
    (store / "draw" / "1.0.0").unlink()  # the block g = 1.0 (gamma 0 and 0.5)
    for lazy in (False, True):
        with pytest.raises(ValueError, match="missing or damaged"):
            snt.open(store, lazy=lazy)
    calls = tmp_path / "calls.txt"
    os.environ["SNT_TEST_CALLS"] = str(calls)
    try:
        resumed = _serial(store=store)
    finally:
        del os.environ["SNT_TEST_CALLS"]
    assert calls.read_text().split() == ["1.0", "1.0"]  # only the damaged block's points ran again
    xr.testing.assert_equal(resumed[["m_mean", "draw"]], reference[["m_mean", "draw"]])
    xr.testing.assert_equal(snt.open(store)[["m_mean", "draw"]], reference[["m_mean", "draw"]])


def test_relative_store_with_workers_in_another_directory(tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(os.chdir, str(elsewhere))  # like workers started on another machine or directory
        ds = snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store="rel.zarr", client=client,
                       progress=False)
    xr.testing.assert_equal(ds[["m_mean", "draw"]], _serial()[["m_mean", "draw"]])
    assert (tmp_path / "rel.zarr").is_dir() and not list(elsewhere.iterdir())


def test_unreachable_scheduler_fails_before_any_work(tmp_path):
    calls = tmp_path / "calls.txt"
    os.environ["SNT_TEST_CALLS"] = str(calls)
    try:
        with pytest.raises(ValueError, match="client 'no-port' is not a scheduler address"):
            snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store=tmp_path / "a.zarr",
                      client="no-port", progress=False)
        with pytest.raises(OSError, match="no dask scheduler answers at tcp://127.0.0.1:9"):
            snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store=tmp_path / "b.zarr",
                      client="tcp://127.0.0.1:9", progress=False)
    finally:
        del os.environ["SNT_TEST_CALLS"]
    assert not calls.exists() and not (tmp_path / "a.zarr").exists() and not (tmp_path / "b.zarr").exists()


@pytest.mark.parametrize("kw,exc,words", [
    ({"common_random_numbers": "no"}, TypeError, "common_random_numbers must be True or False"),
    ({"n_workers": 2.5}, TypeError, "n_workers must be an integer"),
    ({"overwrite": "yes"}, TypeError, "overwrite must be True or False"),
    ({"study_kwargs": 3}, TypeError, "study_kwargs must be a mapping"),
    ({"grid": {"g": "abc"}}, TypeError, r"grid\['g'\] must be a 1-D sequence"),
    ({"grid": {"g": [np.nan]}}, ValueError, r"grid\['g'\] must be finite"),
])
def test_flags_and_counts_are_not_coerced(kw, exc, words):
    args = {"grid": {"g": [1.0]}, "base": BASE, "client": "serial", "progress": False, **kw}
    with pytest.raises(exc, match=words):
        snt.sweep(sweep_studies.noisy_mean, **args)


def test_store_chunks_hold_many_points_and_open_without_warning(tmp_path):
    import warnings

    import zarr

    store = tmp_path / "c.zarr"
    mem = _serial()
    _serial(store=store)
    for name in ("m_mean", "draw", "done", "point_digest"):
        assert zarr.open_array(str(store / name)).chunks[:2] == (4, 2)  # the whole 4 x 2 grid in one chunk
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # unconsolidated metadata would warn here
        plain = xr.open_zarr(store)
        assert plain.g.attrs == {"long_name": "gain g", "units": "1"}
        assert plain.gamma.attrs["long_name"] == "leak gamma"
        xr.testing.assert_equal(plain[["m_mean", "draw"]].load(), mem[["m_mean", "draw"]])


def test_grid_chunks():
    from snt.sweep_store import grid_chunks

    assert grid_chunks((30,), 8, target=80) == (10,)
    assert grid_chunks((4, 5), 8, target=8 * 12) == (2, 5)  # the last dim filled first
    assert grid_chunks((4, 5), 10**9, target=80) == (1, 1)  # a large point: one point per chunk
    assert grid_chunks((3, 4), 1, target=10**6) == (3, 4)
