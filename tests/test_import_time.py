"""``import snt`` and ``snt --help`` do not load the heavy libraries (numba, scipy.signal, xarray): the
public names are imported on first use, and they still work as attributes and in ``from snt import X``."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "scipy.signal", "xarray", "sklearn", "matplotlib", "dask")


def _loaded(code):
    probe = code + f"\nimport json, sys; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", ["import snt", "import snt.classify",
                                  "from snt.cli import build_parser; build_parser()"])
def test_nothing_heavy_is_imported_eagerly(code):
    assert _loaded(code) == []


def test_the_parser_does_not_load_numpy():
    # ``snt --help`` builds the whole parser, the classifier's options included: numpy alone costs 0.1-0.7 s
    probe = ("from snt.cli import build_parser; build_parser()\n"
             "import sys; print('numpy' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_first_use_imports_the_name():
    assert "xarray" in _loaded("import snt; snt.save")
    assert "numba" in _loaded("from snt import simulate")


def test_public_names_resolve():
    import snt
    import snt.classify

    for name in snt.__all__:
        assert getattr(snt, name) is not None, name
    for name in snt.classify.__all__:
        assert getattr(snt.classify, name) is not None, name
    with pytest.raises(AttributeError, match="no_such_name"):
        snt.no_such_name  # noqa: B018


def test_functions_named_like_their_module_stay_functions():
    import snt
    import snt.classify
    import snt.classify.lna  # noqa: F401 - binding the submodule must not replace the function
    import snt.simulate  # noqa: F401
    import snt.sweep  # noqa: F401

    for pkg, name in [(snt, "simulate"), (snt, "sweep"), (snt.classify, "lna"), (snt.classify, "robustness")]:
        assert callable(getattr(pkg, name)) and not isinstance(getattr(pkg, name), type(sys)), name
    from snt.simulate import simulate
    assert snt.simulate is simulate


def test_the_lazy_packages_pickle_by_name():
    # a function shipped to dask workers (cloudpickle) may refer to snt: the lazy package pickles as a module
    import pickle

    import cloudpickle

    import snt
    import snt.classify
    assert pickle.loads(pickle.dumps(snt)) is snt
    assert pickle.loads(pickle.dumps(snt.classify)) is snt.classify
    f = pickle.loads(cloudpickle.dumps(lambda: snt.Ensemble(N=3).N))
    assert f() == 3
