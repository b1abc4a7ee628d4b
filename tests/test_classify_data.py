"""load_dataset: digits split, IDX reading with checksums, and the message when files are missing."""

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from snt.classify import load_dataset
from snt.classify.data import _FILES

FASHION = Path(os.environ.get("SNT_DATA", "/nonexistent")) / "fashion-mnist"
needs_fashion = pytest.mark.skipif(not all((FASHION / f).is_file() for f in _FILES),
                                   reason=f"Fashion-MNIST IDX files not found in {FASHION} (set SNT_DATA or "
                                          "apt-get install dataset-fashion-mnist)")


def test_digits_split_is_deterministic_and_scaled():
    X, y, Xt, yt = load_dataset("digits")
    assert X.shape == (1437, 64) and Xt.shape == (360, 64)
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10)) and np.bincount(yt).min() >= 35   # stratified
    X2, y2, _, _ = load_dataset("DIGITS")
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_unknown_name():
    with pytest.raises(ValueError, match="name must be one of.*'cifar'"):
        load_dataset("cifar")


def test_missing_files_message_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("SNT_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError) as e:
        load_dataset("fashion-mnist")
    msg = str(e.value)
    assert str(tmp_path / "fashion-mnist") in msg and "/usr/share/datasets/fashion-mnist" in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "train-images-idx3-ubyte.gz" in msg


@needs_fashion
def test_fashion_mnist_reads_accepts_repacked_gzip_and_rejects_corruption(tmp_path):
    d = tmp_path / "fashion-mnist"
    d.mkdir()
    for f in _FILES:
        (d / f).symlink_to(FASHION / f)
    # re-compress the test labels: different gzip bytes, same content -> accepted (Debian's repackaging)
    lab = gzip.decompress((FASHION / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (d / "t10k-labels-idx1-ubyte.gz").unlink()
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(lab, compresslevel=1, mtime=0))
    X, y, Xt, yt = load_dataset("fashion-mnist", root=tmp_path)
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert np.bincount(y).tolist() == [6000] * 10 and np.bincount(yt).tolist() == [1000] * 10
    assert 0.0 <= X.min() and X.max() == 1.0
    # one flipped label byte -> checksum error naming the file
    bad = bytearray(lab)
    bad[100] = (bad[100] + 1) % 10
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(bad), mtime=0))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz: checksum mismatch"):
        load_dataset("fashion-mnist", root=d)
