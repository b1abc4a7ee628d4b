"""The notebooks in ``notebooks/`` run from top to bottom, stored without outputs and without test asserts.

One notebook per area (quickstart, route to chaos, mean field, classifier, Lyapunov spectrum, response, dask
sweep, custom ensemble, generation, spectral ranking, plasticity). The kernel imports this checkout's snt
(PYTHONPATH), whether or not the package is installed.
"""

import os
import pathlib

import nbclient
import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
AREAS = ("quickstart", "route_to_chaos", "meanfield", "classifier", "lyapunov", "response", "sweep", "ensemble",
         "generation", "spectral", "plasticity")


def test_there_is_a_notebook_per_area():
    names = " ".join(p.stem for p in NOTEBOOKS)
    missing = [a for a in AREAS if a not in names]
    assert not missing, f"no notebook for {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch, tmp_path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.get("outputs") or c.get("execution_count") for c in code), "store notebooks without outputs"
    assert not any("assert " in c.source for c in code), "tutorial cells show results, they do not assert"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the failing cell, if any cell fails
