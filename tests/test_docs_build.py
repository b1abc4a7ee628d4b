"""The documentation site builds offline and without a single warning.

``python3 -m sphinx -W -b html docs docs/_build/html`` is the strict build: any warning, from the science
documents, the index or any module's docstring, fails the test and is listed in its message.
"""

import subprocess
import sys
from pathlib import Path

import sphinx  # noqa: F401  (the docs extra, also in the test extra: a missing install fails, not skips)
import myst_parser  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_offline(tmp_path):
    warnings = tmp_path / "warnings.txt"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-a", "-q", "-b", "html", "-w", str(warnings),
                          "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = [x for x in warnings.read_text(encoding="utf-8").splitlines() if "WARNING" in x or "ERROR" in x]
    assert not lines, "documentation warnings:\n" + "\n".join(lines)
    html = tmp_path / "html"
    science = (html / "SCIENCE.html").read_text(encoding="utf-8")
    assert "(E13)" in science and 'class="math' in science     # the equations, rendered as math
    assert 'href="CLASSIFIERS.html' in science                 # links between the documents resolve
    api = (html / "api" / "simulate.html").read_text(encoding="utf-8")
    assert 'id="snt.simulate.simulate"' in api                 # autodoc ran on the package
