"""Damaged input files give one clear error naming the file: IDX datasets (truncated, not gzip, bad
header) and saved classifiers (a Dataset that is not one)."""

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from snt.classify.data import load_dataset

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")


@pytest.fixture
def mnist_copy(tmp_path):
    src = Path(os.environ.get("SNT_DATA", "")) / "mnist"
    if not all((src / f).is_file() for f in FILES):
        pytest.skip("MNIST files not available ($SNT_DATA/mnist)")
    for f in FILES:
        if "labels" in f:
            shutil.copy(src / f, tmp_path / f)
        else:
            (tmp_path / f).symlink_to(src / f)  # the large image files are never damaged here
    return tmp_path


@pytest.mark.parametrize("damage,words", [
    (lambda b: b[: len(b) // 2], "truncated gzip file"),
    (lambda b: b"PK\x03\x04 not gzip at all" + b[20:], "not a gzip file"),
    (lambda b: gzip.compress(gzip.decompress(b)[:-7]), "checksum mismatch"),
])
def test_damaged_idx_file_is_named(mnist_copy, damage, words):
    f = mnist_copy / "train-labels-idx1-ubyte.gz"
    f.write_bytes(damage(f.read_bytes()))
    with pytest.raises(ValueError, match=f"train-labels-idx1-ubyte.gz: {words}.*download it again"):
        load_dataset("mnist", root=mnist_copy)


def test_from_dataset_of_something_else_names_what_is_missing():
    from snt.classify.estimator import AttractorClassifier

    with pytest.raises(ValueError, match=r"not a classifier.*lacks attribute 'estimator_params'"):
        AttractorClassifier.from_dataset(xr.Dataset({"a": ("x", np.ones(2))}))
    with pytest.raises(TypeError, match="must be an xarray.Dataset"):
        AttractorClassifier.from_dataset({"snt_params": "{}"})
