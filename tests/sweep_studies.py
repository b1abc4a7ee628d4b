"""Studies used by the sweep tests; importable by dask workers and by subprocesses.

``noisy_mean`` draws from its seed, so any change of the seed bookkeeping shows in the values. Through
environment variables it can record each call (``SNT_TEST_CALLS``: a file, one line per call), kill its own
process at one grid value (``SNT_TEST_KILL_AT``: the gain at which to die) or kill a dask worker once
(``SNT_TEST_KILL_ONCE``: a marker file created before dying), or take its time (``SNT_TEST_SLOW``: seconds
to sleep per call, to keep a sweep running while another process tries the same store).
"""

import os
import signal
import time

import numpy as np
import xarray as xr

import snt
from snt._seeds import child
from snt.sweep import as_network


def noisy_mean(obj, seed, steps=40):
    g = float(obj.g)
    calls = os.environ.get("SNT_TEST_CALLS")
    if calls:
        with open(calls, "a") as fh:
            fh.write(f"{g!r}\n")
    kill_at = os.environ.get("SNT_TEST_KILL_AT")
    if kill_at and abs(float(kill_at) - g) < 1e-12:
        os.kill(os.getpid(), signal.SIGKILL)
    once = os.environ.get("SNT_TEST_KILL_ONCE")
    if once and abs(g - 1.0) < 1e-12 and not os.path.exists(once):
        open(once, "w").close()
        os._exit(1)
    if os.environ.get("SNT_TEST_SLOW"):
        time.sleep(float(os.environ["SNT_TEST_SLOW"]))
    net = as_network(obj, seed)
    ds = snt.simulate(net, steps, trials=2, record="m", seed=child(seed, 1))
    draw = np.random.default_rng(child(seed, 2)).standard_normal(3)
    return xr.Dataset({"m_mean": (("trial",), ds.m.mean("time").values, {"long_name": "mean m"}),
                       "draw": (("k",), draw, {"long_name": "a draw from the point's seed"})},
                      coords={"trial": [0, 1], "k": [0, 1, 2]})


def ragged(obj, seed):
    n = 2 if obj.g < 1 else 3
    return xr.Dataset({"x": (("k",), np.zeros(n))})
