"""Shared test set-up: data location, hypothesis profile."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
_SHARED_DATA = ROOT.parent / "shared" / "data"
if "SNT_DATA" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["SNT_DATA"] = str(_SHARED_DATA)

# numba compiles on first call: no per-example deadline; a modest number of examples keeps the suite fast.
settings.register_profile("snt", deadline=None, max_examples=25, print_blob=True)
settings.load_profile(os.environ.get("SNT_HYPOTHESIS_PROFILE", "snt"))


@pytest.fixture(scope="session")
def digits():
    """The built-in digits split (X, y, Xt, yt), loaded once for every classifier test."""
    from snt.classify import load_dataset

    return load_dataset("digits")
