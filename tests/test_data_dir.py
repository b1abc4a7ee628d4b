"""The repository's data/ folder: the loaders search it after ``root`` and ``$SNT_DATA``."""

import os
from pathlib import Path

import numpy as np
import pytest

from snt.classify import data, load_dataset

ROOT = Path(__file__).resolve().parents[1]
MNIST = Path(os.environ.get("SNT_DATA", "/nonexistent")) / "mnist"


def test_data_dir_is_the_repository_folder():
    assert data.DATA_DIR == ROOT / "data"
    assert (ROOT / "data" / "README.md").is_file()


def test_search_order_root_then_env_then_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SNT_DATA", str(tmp_path / "env"))
    found = data._candidates("mnist", None)
    assert found[:2] == [tmp_path / "env" / "mnist", data.DATA_DIR / "mnist"]
    assert found[2:] == [Path(p) for p in data._SYSTEM["mnist"]]
    assert data._candidates("mnist", tmp_path) == [tmp_path, tmp_path / "mnist"]
    monkeypatch.delenv("SNT_DATA")
    assert data._candidates("mnist", None)[0] == data.DATA_DIR / "mnist"


def test_missing_files_message_names_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SNT_DATA", raising=False)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "data")
    with pytest.raises(FileNotFoundError) as e:
        load_dataset("mnist")
    assert str(tmp_path / "data" / "mnist") in str(e.value)


@pytest.mark.skipif(not all((MNIST / f).is_file() for f in data._FILES), reason=f"MNIST not found in {MNIST}")
def test_loads_from_the_data_dir_without_env(tmp_path, monkeypatch):
    (tmp_path / "mnist").mkdir()
    for f in data._FILES:
        (tmp_path / "mnist" / f).symlink_to(MNIST / f)
    monkeypatch.delenv("SNT_DATA")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    X, y, Xt, yt = load_dataset("mnist")
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert np.bincount(yt).tolist()[:3] == [980, 1135, 1032]   # the published test-set class counts


def test_checksum_table_of_the_readme_is_the_loaders(tmp_path):
    import re
    rows = re.findall(r"\| (\S+?)/(\S+) \| (\d+) \| ([0-9a-f]{32}) \| ([0-9a-f]{32}) \|",
                      (ROOT / "data" / "README.md").read_text(encoding="utf-8"))
    assert len(rows) == 8
    for name, f, _, gz, raw in rows:
        assert data._MD5[name][f] == (gz, raw), (name, f)


@pytest.mark.parametrize("argv, store", [(["sweep"], "data/results/snt-default.zarr"),
                                         (["sweep", "-o", "x.zarr"], "x.zarr")])
def test_default_sweep_writes_under_data_results(argv, store, monkeypatch, capsys):
    import snt.studies
    from snt.cli import main
    seen = {}

    def fake_study(out, **kwargs):
        seen["store"] = out
        return None, []
    monkeypatch.setattr(snt.studies, "default_study", fake_study)
    monkeypatch.setattr(snt.studies, "summary", lambda ds: "")
    assert main(argv + ["-q"]) == 0
    assert seen["store"] == store
    assert f"wrote {store}" in capsys.readouterr().out


def test_data_outputs_are_git_ignored_and_the_readme_is_not():
    import shutil
    import subprocess
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    paths = ["data/results/snt-default.zarr/.zgroup", "data/results/snt-default-figures/orbit_gamma0.png",
             "data/results/snt-sweep.zarr/.zattrs", "data/mnist/train-images-idx3-ubyte.gz",
             "route-figures/orbit_gamma0.png", "data/README.md"]
    run = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True)
    assert run.stdout.split() == paths[:-1]
