"""Safe storage on a local filesystem: writes that land whole or not at all, chunk digests that show a
missing or torn zarr chunk, and a lock file that keeps a second writer off a store.

* :func:`aside` / :func:`move_into_place`: write under a hidden sibling name, then rename over the target.
  A file is replaced atomically (``os.replace``); a directory (zarr store) is first renamed away, so at any
  moment either the old or the new version is complete on disk.
* :func:`chunk_digests` / :func:`damage`: a digest per stored chunk file, compared with what is on disk.
* :class:`StoreLock`: a lock file ``<store>.lock`` holding the owner's pid, host and start time; a lock
  whose owner process is gone (same host) is stale and taken over.
"""

import contextlib
import hashlib
import itertools
import json
import os
import secrets
import shutil
import socket
import time
from pathlib import Path

from .errors import CorruptFileError, StoreLockedError

__all__ = ["consolidate", "open_zarr", "aside", "move_into_place", "written_aside", "remove", "raise_damage", "is_zarr_store", "chunk_digests",
           "chunk_presence", "damage", "StoreLock"]


def aside(path, tag="part"):
    """A hidden sibling of ``path`` (same directory, so a rename into place is atomic)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}")


def remove(path):
    """Delete a file or a directory tree if it exists."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def move_into_place(tmp, path):
    """Rename the finished ``tmp`` to ``path``, replacing what is there."""
    tmp, path = Path(tmp), Path(path)
    if not path.exists() or (tmp.is_file() and path.is_file()):
        os.replace(tmp, path)
        return path
    old = aside(path, "old")
    os.rename(path, old)
    os.rename(tmp, path)
    remove(old)
    return path


@contextlib.contextmanager
def written_aside(path):
    """Yield a temporary sibling to write to; on success it replaces ``path``, on failure it is deleted."""
    tmp = aside(path)
    try:
        yield tmp
        move_into_place(tmp, path)
    except BaseException:
        remove(tmp)
        raise


def consolidate(store):
    """Write (or refresh) the consolidated metadata of a zarr format-2 store, so that readers open it with
    one read and without the warning xarray gives for unconsolidated stores (format 2 or 3; zarr warns that
    format 3 does not standardise it yet, which is said here once). Call it after any change to the store's
    metadata (new arrays, attrs)."""
    import warnings

    import zarr

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        zarr.consolidate_metadata(str(store))


def open_zarr(store, **kwargs):
    """``xarray.open_zarr`` of a store, using its consolidated metadata when it has any (stores written
    before metadata was consolidated open without a warning too)."""
    import xarray as xr

    consolidated = (Path(store) / ".zmetadata").is_file() or _has_consolidated_v3(Path(store))
    return xr.open_zarr(store, consolidated=consolidated, **kwargs)


def _has_consolidated_v3(store):
    try:
        meta = json.loads((store / "zarr.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("consolidated_metadata") is not None


def is_zarr_store(path):
    """True when ``path`` is a directory holding zarr group metadata (format 2 or 3)."""
    path = Path(path)
    return path.is_dir() and ((path / "zarr.json").is_file() or (path / ".zgroup").is_file())


def _chunk_files(store, name, array, region=None):
    """(key, file) of every chunk of one array, or of the chunks intersecting ``region`` (chunk indices
    along the leading dims; the other dims all chunks)."""
    grid = [range(-(-s // c)) for s, c in zip(array.shape, array.chunks)]
    if region is not None:
        grid[:len(region)] = [[i] for i in region]
    for idx in itertools.product(*grid):
        key = array.metadata.encode_chunk_key(idx)
        yield key, Path(store, *name.split("/"), *key.split("/"))


def _digest(file):
    """"<blake2b hex>:<size in bytes>" of a chunk file."""
    data = file.read_bytes()
    return f"{hashlib.blake2b(data, digest_size=8).hexdigest()}:{len(data)}"


def _size_differs(file, digest):
    size = digest.rpartition(":")[2]
    return size.isdigit() and file.stat().st_size != int(size)


def _arrays(store, names=None):
    import zarr

    group = zarr.open_group(str(store), mode="r")
    for name, array in group.arrays():
        if names is None or name in names:
            yield name, array


def chunk_digests(store, names=None, region=None):
    """{array: {chunk key: digest}} of the chunk files of a zarr store (all arrays, or ``names``; all
    chunks, or those of ``region``). A chunk file that does not exist has digest None."""
    out = {}
    for name, array in _arrays(store, names):
        out[name] = {key: (_digest(f) if f.is_file() else None) for key, f in _chunk_files(store, name, array, region)}
    return out


def chunk_presence(store, names=None, region=None):
    """True when every chunk file of the arrays (all, or ``names``; all chunks, or those of ``region``)
    exists."""
    return all(f.is_file() for name, array in _arrays(store, names)
               for _, f in _chunk_files(store, name, array, region))


def damage(store, expected, full=True):
    """What is wrong with ``store`` compared with the digests ``expected`` (from :func:`chunk_digests`):
    a list of human-readable problems, empty when every chunk is present and intact (with ``full``, by
    its digest; without, by its size only, which needs no read)."""
    problems = []
    for name, chunks in expected.items():
        for key, digest in chunks.items():
            f = Path(store, *name.split("/"), *key.split("/"))
            if not f.is_file():
                if digest is not None:
                    problems.append(f"chunk {key} of {name!r} is missing")
            elif digest is not None and (_digest(f) != digest if full else _size_differs(f, digest)):
                problems.append(f"chunk {key} of {name!r} is damaged (its content changed since it was written)")
    return problems


def raise_damage(path, problems):
    """Raise CorruptFileError listing (the first few) problems of a store."""
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    raise CorruptFileError(f"{path}: damaged zarr store: {'; '.join(problems[:3])}{more}")


class StoreLock:
    """Exclusive writer lock on a store: the file ``<store>.lock`` with the owner's pid, host and start.

    ``with StoreLock(path):`` refuses (StoreLockedError) while another live process holds the lock; a lock
    left by a process that no longer exists on this host is taken over. A lock from another host cannot be
    checked and is always respected (the message says how to remove it).
    """

    def __init__(self, target):
        self.target = Path(target)
        self.path = self.target.with_name(self.target.name + ".lock")
        self.owner = {"pid": os.getpid(), "host": socket.gethostname(), "token": secrets.token_hex(8)}

    def _holder(self):
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None

    def _stale(self, holder):
        if holder is None:  # unreadable: being written this instant, or torn by a kill
            try:
                return time.time() - self.path.stat().st_mtime > 10.0
            except OSError:
                return True
        if holder.get("host") != self.owner["host"]:
            return False
        try:
            os.kill(int(holder["pid"]), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, KeyError, ValueError, TypeError):
            return False
        return False

    def acquire(self):
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if self._stale(holder):
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(self.path)
                    continue
                who = (f"process {holder.get('pid')} on {holder.get('host')} since {holder.get('started')}"
                       if holder else "another process")
                raise StoreLockedError(f"{self.target} is being written by {who}; a second writer is refused. "
                                       f"If that process is gone, delete {self.path}") from None
            with os.fdopen(fd, "w") as fh:
                json.dump({**self.owner, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, fh)
            return self
        raise StoreLockedError(f"{self.target}: could not take the lock {self.path} (it keeps reappearing)")

    def release(self):
        holder = self._holder()
        if holder is not None and holder.get("token") == self.owner["token"]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
