"""``snt --version`` prints the package version and exits cleanly."""

import subprocess
import sys
from pathlib import Path

import pytest

import snt
from snt.cli import main


def test_version_option(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"snt {snt.__version__}"


def test_version_from_the_shell():
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-m", "snt.cli", "--version"], cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == f"snt {snt.__version__}"
