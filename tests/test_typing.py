"""The package's type hints: mypy finds no error (configuration in setup.cfg [mypy]), the public API is
annotated, and py.typed is shipped."""

import configparser
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import snt

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is in the test extras")
def test_mypy_finds_no_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr


def test_public_functions_are_annotated():
    missing = []
    for name in snt.__all__:
        obj = getattr(snt, name)
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            if sig.return_annotation is inspect.Signature.empty:
                missing.append(f"{name} -> ?")
            missing += [f"{name}({p})" for p, par in sig.parameters.items()
                        if par.annotation is inspect.Parameter.empty]
    for cls, meth in [(snt.Ensemble, "sample"), (snt.Network, "replace")]:
        if inspect.signature(getattr(cls, meth)).return_annotation is inspect.Signature.empty:
            missing.append(f"{cls.__name__}.{meth}")
    assert not missing, missing


def test_py_typed_is_shipped():
    assert (ROOT / "snt" / "py.typed").is_file()
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert "py.typed" in cfg["options.package_data"]["snt"]
    assert "Typing :: Typed" in cfg["metadata"]["classifiers"]
