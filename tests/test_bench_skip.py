"""The benchmarks that need a data set report "skipped: no data" instead of failing without it."""

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def bench_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    yield
    for name in ("bench_plasticity", "run_all", "_timing"):
        sys.modules.pop(name, None)


def test_bench_plasticity_skips_without_mnist(bench_path, monkeypatch, capsys):
    bench = importlib.import_module("bench_plasticity")

    def missing(name, root=None):
        raise FileNotFoundError(f"{name}: the files train-images-idx3-ubyte.gz ... were not found.\n  /nowhere")
    monkeypatch.setattr(bench, "load_dataset", missing)
    assert bench.main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["SKIPPED | bench_plasticity | no data: mnist: the files train-images-idx3-ubyte.gz ... were not "
                   "found."]
    run_all = importlib.import_module("run_all")
    assert run_all.skipped("\n".join(["x"] + out)) == "no data: mnist: the files train-images-idx3-ubyte.gz ... were "\
                                                       "not found."
    assert run_all.skipped("RESULT | a | b | 1 s | 1 s | 1.00 | n") is None
