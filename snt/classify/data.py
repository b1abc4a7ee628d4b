"""Datasets for the classifiers: scikit-learn's digits (built in), MNIST and Fashion-MNIST (IDX files).

MNIST-type files are read from a directory holding ``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``. The directory
is ``root`` when given, else ``$SNT_DATA/<name>``, else ``data/<name>`` of the repository (see data/README.md),
else the system locations (Debian's package ``dataset-fashion-mnist`` installs Fashion-MNIST under
``/usr/share/datasets/fashion-mnist``). Every file is
verified against the md5 of the published ``.gz`` or, because repackaged files have different gzip
headers, of its decompressed bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np

from ..errors import CorruptFileError
from ._names import DATASETS

__all__ = ["load_dataset", "pool_images", "DATASETS"]

_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

#: published md5 of the .gz files and md5 of their decompressed content
_MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb"),
        "train-labels-idx1-ubyte.gz": ("d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624"),
        "t10k-images-idx3-ubyte.gz": ("9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea"),
        "t10k-labels-idx1-ubyte.gz": ("ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637"),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
        "train-labels-idx1-ubyte.gz": ("25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9"),
        "t10k-images-idx3-ubyte.gz": ("bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a"),
        "t10k-labels-idx1-ubyte.gz": ("bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965"),
    },
}

_SYSTEM = {"mnist": ("/usr/share/datasets/mnist", "/usr/share/mnist"),
           "fashion-mnist": ("/usr/share/datasets/fashion-mnist", "/usr/share/fashion-mnist")}

_HOWTO = {
    "mnist": "download the four files from https://yann.lecun.com/exdb/mnist/ (or a mirror such as "
             "https://ossci-datasets.s3.amazonaws.com/mnist/) into one of these directories",
    "fashion-mnist": "install Debian's package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), "
                     "or download the four files from https://github.com/zalandoresearch/fashion-mnist "
                     "(data/fashion) into one of these directories",
}


# --- search path after ``root``: $SNT_DATA, then the repository's data/ folder ---------------------------------
#: The repository's data folder (beside the ``snt`` package in a source checkout; documented in data/README.md).
DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def _search_path():
    """Parent directories searched when no ``root`` is given: ``$SNT_DATA`` (if set), then :data:`DATA_DIR`."""
    env = os.environ.get("SNT_DATA")
    return ([Path(env)] if env else []) + [DATA_DIR]
# --- end of the search path ------------------------------------------------------------------------------------


def _candidates(name, root):
    if root is not None:
        r = Path(root)
        return [r, r / name]
    out = [d / name for d in _search_path()]
    out.extend(Path(p) for p in _SYSTEM[name])
    return out


def _find(name, root):
    tried = _candidates(name, root)
    for d in tried:
        if all((d / f).is_file() for f in _FILES):
            return d
    where = "\n  ".join(str(d) for d in tried)
    env = "" if root is not None else (" ($SNT_DATA is not set)" if not os.environ.get("SNT_DATA") else "")
    raise FileNotFoundError(
        f"{name}: the files {', '.join(_FILES)} were not found. Looked in{env}:\n  {where}\n"
        f"To get them, {_HOWTO[name]}, or pass root=<directory> / set SNT_DATA=<parent directory>.")


def _read_idx(path, name):
    """Decompress and parse one IDX file after checking it: a truncated or non-gzip file, a checksum
    mismatch or an inconsistent header raises CorruptFileError (a ValueError) naming the file."""
    raw = Path(path).read_bytes()
    md5_gz, md5_raw = _MD5[name][Path(path).name]
    again = "; the file is corrupt or not the published one: download it again"
    try:
        data = gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        what = "truncated gzip file" if isinstance(exc, EOFError) else "not a gzip file"
        raise CorruptFileError(f"{path}: {what} ({exc}){again}") from None
    if hashlib.md5(raw).hexdigest() != md5_gz and hashlib.md5(data).hexdigest() != md5_raw:
        raise CorruptFileError(f"{path}: checksum mismatch (md5 of the file {hashlib.md5(raw).hexdigest()}, "
                               f"expected {md5_gz}, or of the decompressed content {md5_raw}){again}")
    if len(data) < 4:
        raise CorruptFileError(f"{path}: too short for an IDX header ({len(data)} bytes){again}")
    magic = int.from_bytes(data[:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:
        raise CorruptFileError(f"{path}: not an unsigned-byte IDX file (magic {magic:#x})")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(data) != 4 + 4 * ndim + int(np.prod(shape)):
        raise CorruptFileError(f"{path}: the IDX header announces shape {shape} but the file holds "
                               f"{len(data) - 4 - 4 * ndim} bytes of data{again}")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_dataset(name, root=None):
    """Training and test sets, pixels scaled to [0, 1] and flattened.

    Parameters
    ----------
    name : {"digits", "mnist", "fashion-mnist"}
        ``"digits"``: scikit-learn's 8x8 digits (1797 items, 64 features, /16), split 80/20 by a fixed
        stratified shuffle (1437 train, 360 test). ``"mnist"``/``"fashion-mnist"``: 60 000 + 10 000 items of
        784 pixels (/255).
    root : str or path, optional
        Directory holding the four IDX ``.gz`` files (or a parent with a ``<name>`` sub-directory).

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarrays
        Float64 inputs in [0, 1] and int64 labels 0..9.

    Raises
    ------
    ValueError
        Unknown ``name``; :class:`snt.errors.CorruptFileError` (a ValueError) for a truncated or non-gzip
        file, a checksum mismatch or an inconsistent IDX header, naming the file.
    FileNotFoundError
        Files not found; the message lists every directory searched and how to obtain the files.
    """
    if not isinstance(name, str) or name.lower() not in DATASETS:
        raise ValueError(f"name must be one of {DATASETS}, got {name!r}")
    name = name.lower()
    if name == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        d = load_digits()
        X = d.data / 16.0
        Xtr, Xte, ytr, yte = train_test_split(X, d.target.astype(np.int64), test_size=0.2, random_state=0,
                                              stratify=d.target)
        return Xtr, ytr, Xte, yte
    d = _find(name, root)
    # small label files first: a corrupt one is reported before the large images are read
    labels = {p: _read_idx(d / f"{p}-labels-idx1-ubyte.gz", name).astype(np.int64) for p in ("train", "t10k")}
    out = []
    for prefix in ("train", "t10k"):
        img = _read_idx(d / f"{prefix}-images-idx3-ubyte.gz", name)
        if len(img) != len(labels[prefix]):
            raise ValueError(f"{d}: {len(img)} {prefix} images but {len(labels[prefix])} labels")
        out += [img.reshape(len(img), -1).astype(np.float64) / 255.0, labels[prefix]]
    return tuple(out)


def pool_images(X, factor, shape=None):
    """Average pooling of flattened square images by ``factor`` (MNIST 28x28 -> 14x14 at 2).

    Parameters
    ----------
    X : (n_items, n_features) array
    factor : int
        Side of the pooled blocks; must divide the image side.
    shape : (height, width), optional
        Default: square images.

    Returns
    -------
    (n_items, n_features / factor**2) float64
    """
    X = np.asarray(X, dtype=np.float64)
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be a positive integer, got {factor!r}")
    if shape is None:
        side = int(round(np.sqrt(X.shape[1])))
        shape = (side, side)
    h, w = shape
    if h * w != X.shape[1] or h % factor or w % factor:
        raise ValueError(f"factor={factor} must divide the image sides {shape} of {X.shape[1]} features")
    f = int(factor)
    return X.reshape(len(X), h // f, f, w // f, f).mean(axis=(2, 4)).reshape(len(X), -1)


#: what :meth:`AttractorClassifier.from_dataset` reads from a saved classifier
_MODEL_ATTRS = ("estimator_params", "parameters", "n_features_in", "nit", "message", "train_time",
                "train_accuracy")
_MODEL_VARS = ("phi_tr", "lam_tr", "gamma", "loss", "val_accuracy")


def check_classifier_dataset(ds, source="ds"):
    """The classifier ``ds`` written by ``AttractorClassifier.to_dataset`` in the current layout (older ones
    converted by :func:`snt.classify.results.migrate`, newer ones refused with UnsupportedVersionError);
    CorruptFileError (a ValueError) for a Dataset that is not one, naming what is missing."""
    import xarray as xr

    from .results import migrate

    if not isinstance(ds, xr.Dataset):
        raise TypeError(f"{source} must be an xarray.Dataset written by AttractorClassifier.to_dataset, got "
                        f"{type(ds).__name__}")
    ds = migrate(ds, source)
    missing = [f"attribute {k!r}" for k in _MODEL_ATTRS if k not in ds.attrs]
    missing += [f"variable {k!r}" for k in _MODEL_VARS if k not in ds.variables]
    if missing:
        raise CorruptFileError(f"{source} is not a classifier written by AttractorClassifier.to_dataset "
                               f"(snt classify train): it lacks {', '.join(missing[:4])}"
                               + (f" and {len(missing) - 4} more" if len(missing) > 4 else ""))
    return ds
