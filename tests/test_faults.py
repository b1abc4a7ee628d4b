"""Fault injection on sweeps: a sweep process killed at a chosen write (store creation, the renames that
put it in place, mid-run with a torn chunk, the last writes), a dask worker killed in the middle of a point,
two writers on one store. After every fault a plain re-run must end with every point present and
bit-identical to an uninterrupted serial run held in memory.

A kill is placed at the k-th "write event" of the sweep process: a chunk or metadata write of zarr's local
store, or an ``os.rename``/``os.replace``. With ``tear`` the dying write leaves half its bytes on disk.
"""

import json
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import snt
from . import sweep_studies

ROOT = Path(__file__).resolve().parents[1]
BASE = snt.Ensemble(N=30, J=1.0, g=1.0)
GRID = {"g": [0.5, 1.0, 1.5], "gamma": [0.0, 0.5]}
VARS = ["m_mean", "draw"]

SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    sys.path.append({root!r})  # after $PYTHONPATH: the package under test may come from there
    import zarr.storage

    K, TEAR = int(os.environ["SNT_FAULT_AT"]), os.environ.get("SNT_FAULT_TEAR") == "1"
    events = []

    def fault(what):
        events.append(str(what))
        return len(events) == K

    store_set = zarr.storage.LocalStore.set

    async def set_(self, key, value):
        if fault(key):
            if TEAR:
                data = value.to_bytes()
                path = Path(str(self.root), *key.split("/"))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        return await store_set(self, key, value)

    zarr.storage.LocalStore.set = set_
    for name in ("rename", "replace"):
        def wrapped(*args, _orig=getattr(os, name), **kw):
            if fault("rename " + Path(args[0]).name):
                os.kill(os.getpid(), signal.SIGKILL)
            return _orig(*args, **kw)
        setattr(os, name, wrapped)

    import snt
    from tests import sweep_studies
    snt.sweep(sweep_studies.noisy_mean, {grid!r}, base=snt.Ensemble(N=30, J=1.0, g=1.0), seed=11,
              store={store!r}, client="serial", progress=False)
    print("EVENTS", json.dumps(events))
""")


@pytest.fixture(scope="module")
def reference():
    """The uninterrupted serial sweep, in memory."""
    return snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, client="serial", progress=False)


def _run_until(store, k, tear=False):
    # a fixed hash seed: the order of the metadata writes follows the iteration order of sets of variable
    # names, which string hashing randomises per process, and the k-th event must be the same in every run
    env = dict(os.environ, SNT_FAULT_AT=str(k), SNT_FAULT_TEAR="1" if tear else "0", PYTHONHASHSEED="0")
    script = SCRIPT.format(root=str(ROOT), grid=GRID, store=str(store))
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                          cwd=store.parent)


def _resume(store):
    return snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store=store, client="serial",
                     progress=False)


def _assert_complete(ds, reference):
    assert bool(ds.done.all())
    for k in VARS:
        np.testing.assert_array_equal(ds[k].values, reference[k].values)  # bit-identical
    xr.testing.assert_equal(ds[VARS], reference[VARS])


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    """The write events of an uninterrupted sweep process, in order."""
    proc = _run_until(tmp_path_factory.mktemp("count") / "s.zarr", 10**9)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.split("EVENTS")[1])


def _kill_and_resume(tmp_path, reference, k, tear):
    store = tmp_path / f"k{k}{'t' if tear else ''}.zarr"
    proc = _run_until(store, k, tear)
    if proc.returncode == 0:            # the run ended before its k-th write: say how many it made
        made = json.loads(proc.stdout.split("EVENTS")[1])
        raise AssertionError(f"not killed: k = {k}, but this run made {len(made)} write events: {made}")
    assert proc.returncode == -9, (k, proc.stdout, proc.stderr)
    ds = _resume(store)
    _assert_complete(ds, reference)
    _assert_complete(snt.open(store), reference)
    assert not list(tmp_path.glob(f".{store.name}.*"))  # no temporary left behind
    assert not Path(str(store) + ".lock").exists()


def test_kills_during_creation_mid_run_and_final_write(tmp_path, reference, events):
    """Representative kills: a torn coordinate while the store is created, the rename that puts it in
    place, a torn done flag mid-run, the last write (torn). The slow test adds torn data chunks and random
    places."""
    coord = events.index("g/0") + 1  # written while the store is being created
    flag = [i + 1 for i, e in enumerate(events) if e.startswith("done/") and e[5].isdigit()][2]
    kills = [(coord, True), (flag, True), (len(events), True)]
    if "rename .s.zarr.creating" in events:  # the store is built aside: kill as it is moved into place
        moved = events.index("rename .s.zarr.creating") + 1
        assert events.index("m_mean/0.0.0") < moved < flag
        kills.append((moved, False))
    for k, tear in kills:
        _kill_and_resume(tmp_path, reference, k, tear)


@pytest.mark.slow
def test_kills_at_random_writes(tmp_path, reference, events):
    rng = random.Random(2026)
    chosen = sorted(rng.sample(range(1, len(events) + 1), min(24, len(events))))
    data = [i + 1 for i, e in enumerate(events) if e.startswith("draw/") and e[5].isdigit()]
    for k in sorted(set(chosen) | {1, data[3]}):
        _kill_and_resume(tmp_path, reference, k, tear=k == data[3] or rng.random() < 0.5)


def test_dask_worker_killed_during_a_point(tmp_path, reference):
    """A worker dies in the middle of a point; dask reruns the point elsewhere. Workers never write the
    store (the sweep process does), so a dying worker cannot tear it."""
    from distributed import Client, LocalCluster

    marker, wrote = tmp_path / "died", tmp_path / "worker-wrote"

    def arm(marker=str(marker), wrote=str(wrote)):
        import zarr.storage

        os.environ["SNT_TEST_KILL_ONCE"] = marker  # sweep_studies.noisy_mean dies once, at g = 1.0
        original = zarr.storage.LocalStore.set

        async def set_(self, key, value):
            open(wrote, "a").close()
            return await original(self, key, value)

        zarr.storage.LocalStore.set = set_

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(arm)
        ds = snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store=tmp_path / "w.zarr",
                       client=client, progress=False)
    assert marker.exists()  # a worker really died mid-point
    assert not wrote.exists()
    _assert_complete(ds, reference)


def test_second_writer_is_refused_and_the_store_stays_correct(tmp_path, reference):
    store = tmp_path / "two.zarr"
    script = textwrap.dedent(f"""
        import sys
        sys.path.append({str(ROOT)!r})
        import snt
        from tests import sweep_studies
        snt.sweep(sweep_studies.noisy_mean, {GRID!r}, base=snt.Ensemble(N=30, J=1.0, g=1.0), seed=11,
                  store={str(store)!r}, client="serial", progress=False)
    """)
    env = dict(os.environ, SNT_TEST_SLOW="0.5")
    first = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    lock = Path(str(store) + ".lock")
    try:
        deadline = time.time() + 120
        while not (lock.exists() and lock.read_text()) and time.time() < deadline:  # created, then written
            time.sleep(0.05)
        assert lock.exists(), "the first writer never took the lock"
        owner = json.loads(lock.read_text())
        assert owner["pid"] == first.pid
        for overwrite in (False, True):  # --overwrite from a second process must not kill the first
            with pytest.raises(RuntimeError, match=f"being written by process {first.pid}"):
                snt.sweep(sweep_studies.noisy_mean, GRID, base=BASE, seed=11, store=store, client="serial",
                          progress=False, overwrite=overwrite)
    finally:
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    _assert_complete(snt.open(store), reference)
    assert not lock.exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path, reference):
    store = tmp_path / "stale.zarr"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    import socket
    Path(str(store) + ".lock").write_text(json.dumps({"pid": int(dead), "host": socket.gethostname()}))
    _assert_complete(_resume(store), reference)
