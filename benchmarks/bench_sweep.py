"""Speed-up of a CPU-bound sweep with 2 worker processes over 1, and the local cluster's overhead.

The study is a Lyapunov estimate of an N = 300 network (numba + BLAS, one BLAS thread per worker); the grid
has 16 gains. Prints the wall times and the ratio t(1 worker) / t(2 workers), checks that both give
identical values, and times the same serial sweep written to a zarr store (lock, store built aside, a digest
per point and its verification on reopening) against the in-memory one.

The kernels release the GIL (numba ``nogil=True``) and, inside a dask worker, the engine's thread policy
uses one thread (the other cores belong to the other workers), so two workers on two cores do not
oversubscribe them. Goal: speed-up >= 1.8.

    python benchmarks/bench_sweep.py [--quick]
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr
from distributed import Client, LocalCluster

import snt
from snt.studies import lyapunov_study

from _timing import report

STEPS = {"steps": 3000, "transient": 500, "trials": 2}


def run(client, grid, base, store=None):
    start = time.perf_counter()
    ds = snt.sweep(lyapunov_study, grid, base=base, seed=1, client=client, progress=False, store=store,
                   study_kwargs=STEPS)
    return time.perf_counter() - start, ds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1000 steps per point instead of 3000")
    if parser.parse_args(argv).quick:
        STEPS.update(steps=1000, transient=200)
    base = snt.Ensemble(N=300, J=1.0).sample(seed=1)
    grid = {"g": np.linspace(0.5, 3.0, 16)}
    snt.sweep(lyapunov_study, {"g": [1.0]}, base=base, seed=1, client="serial", progress=False,
              study_kwargs={"steps": 200, "transient": 50})  # compile
    t_serial, serial = run("serial", grid, base)
    with tempfile.TemporaryDirectory() as tmp:
        t_stored, stored = run("serial", grid, base, store=Path(tmp) / "bench.zarr")
    np.testing.assert_array_equal(stored.lambda_max.values, serial.lambda_max.values)
    print(f"16 points in-process: in memory {t_serial:.2f} s, stored {t_stored:.2f} s "
          f"(storage overhead {(t_stored - t_serial) / 16 * 1e3:.0f} ms per point)")
    times = {}
    results = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
            with Client(cl) as client:
                client.run(lambda: snt.sweep(lyapunov_study, {"g": [1.0]}, base=base, seed=1, client="serial",
                                             progress=False, study_kwargs={"steps": 200, "transient": 50}))
                times[workers], results[workers] = run(cl.scheduler_address, grid, base)
    for workers in (1, 2):
        xr.testing.assert_identical(results[workers].lambda_max, serial.lambda_max)
    print(f"16 points: in-process {t_serial:.1f} s, 1 worker {times[1]:.1f} s, 2 workers {times[2]:.1f} s")
    print(f"speed-up 2 workers / 1 worker: {times[1] / times[2]:.2f}x (ideal 2.00x); values identical")
    report("sweep", "16-point Lyapunov sweep, 2 workers", times[2], times[1], "the same sweep on 1 worker",
           ">= 1.8")


if __name__ == "__main__":
    main()
