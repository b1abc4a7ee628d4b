"""Speed-up of a CPU-bound sweep with 2 worker processes over 1, and the local cluster's overhead.

The study is a Lyapunov estimate of an N = 300 network (numba + BLAS, one BLAS thread per worker); the grid
has 16 gains. Prints the wall times and the ratio t(1 worker) / t(2 workers), and checks that both give
identical values.

    python benchmarks/bench_sweep.py
"""

import time

import numpy as np
import xarray as xr
from distributed import Client, LocalCluster

import snt
from snt.studies import lyapunov_study


def run(client, grid, base):
    start = time.perf_counter()
    ds = snt.sweep(lyapunov_study, grid, base=base, seed=1, client=client, progress=False,
                   study_kwargs={"steps": 3000, "transient": 500, "trials": 2})
    return time.perf_counter() - start, ds


def main():
    base = snt.Ensemble(N=300, J=1.0).sample(seed=1)
    grid = {"g": np.linspace(0.5, 3.0, 16)}
    snt.sweep(lyapunov_study, {"g": [1.0]}, base=base, seed=1, client="serial", progress=False,
              study_kwargs={"steps": 200, "transient": 50})  # compile
    t_serial, serial = run("serial", grid, base)
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


if __name__ == "__main__":
    main()
