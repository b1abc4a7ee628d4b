"""Package metadata agrees with itself: license, citation file, changelog, typing marker."""

import configparser
from pathlib import Path

import yaml

import snt

ROOT = Path(__file__).resolve().parents[1]


def _setup():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return cfg


def test_license_file_is_the_declared_license():
    cfg = _setup()
    assert cfg["metadata"]["license"] == "MIT"
    text = (ROOT / cfg["metadata"]["license_files"].strip()).read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "the snt developers" in text
    assert "License :: OSI Approved :: MIT License" in cfg["metadata"]["classifiers"]


def test_citation_file_matches_the_package():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == snt.__version__
    assert cff["license"] == "MIT"
    for ref in cff["references"]:
        assert ref["title"] and ref["authors"] and isinstance(ref["year"], int), ref
    arxiv = {i["value"] for r in cff["references"] for i in r.get("identifiers", [])}
    # the papers whose methods the package implements, as cited in its docstrings
    assert {"arXiv:2006.02427", "arXiv:2311.10387", "arXiv:2406.16453", "arXiv:2409.13470"} <= arxiv


def test_changelog_and_typing_marker():
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert (ROOT / "snt" / "py.typed").is_file()
    assert "py.typed" in _setup()["options.package_data"]["snt"]


def test_version_is_readable_without_importing_the_package():
    # pip builds the metadata in an isolated environment without numpy: setuptools must find the version as a
    # literal assignment in the module that setup.cfg names, or the install fails
    import ast

    spec = _setup()["metadata"]["version"].strip()
    assert spec.startswith("attr:")
    module, _, name = spec[len("attr:"):].strip().rpartition(".")
    tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    literal = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
               and isinstance(node.value, ast.Constant)]
    assert literal == [snt.__version__]
