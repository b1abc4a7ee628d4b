"""The command line as a user meets it: every option documented with its default, examples for every
subcommand, one ensemble default, summaries with units (and --json), -v logging, a one-line Ctrl-C."""

import argparse
import importlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from snt import cli
from snt.commands import _report


def _parsers():
    parser = cli.build_parser()
    return parser, cli._all_parsers(parser), cli._leaves(parser)


def test_every_option_has_help_with_its_default_and_every_subcommand_examples():
    parser, every, leaves = _parsers()
    assert len(leaves) >= 10
    for p in every:
        formatter = p.formatter_class(p.prog)
        assert isinstance(formatter, cli.HelpFormatter), p.prog
        for action in p._actions:
            if not action.option_strings or action.dest in ("help", "version"):
                continue
            text = formatter._get_help_string(action)
            assert action.help, f"{p.prog} {action.option_strings[0]} has no help"
            assert "default" in text.lower(), f"{p.prog} {action.option_strings[0]}: no default stated"
        if p is not parser:
            assert p.epilog and "examples:" in p.epilog, f"{p.prog} has no examples"
            assert p.prog.split()[1] in p.epilog, p.prog
    text = next(p for p in leaves if p.prog == "snt classify train").format_help()
    assert "examples:" in text and "(default: automatic)" in text


def test_one_ensemble_default_for_every_subcommand():
    parser, _, leaves = _parsers()
    seen = {}
    for p in leaves:
        dests = {a.dest: a.default for a in p._actions}
        if "gamma" in dests and "network_seed" in dests and p.prog != "snt plasticity hebbian":
            seen[p.prog] = {k: dests[k] for k in ("N", "J", "g", "gamma", "sigma")}
    assert {"snt simulate", "snt lyapunov", "snt meanfield", "snt response"} <= set(seen)
    expected = {k: cli.ENSEMBLE_DEFAULTS[k] for k in ("N", "J", "g", "gamma", "sigma")}
    assert all(v == expected for v in seen.values()), seen


def test_numbers_are_shown_with_units_and_tiny_values_as_zero():
    assert _report.number(-9.1e-15, tol=1e-9) == "0"
    assert _report.number(2e-9, tol=1e-9) == "2e-09"
    assert _report.quantity(0.123456, "per step") == "0.1235 per step"
    assert _report.spread(0.5, 0.01234, "per step", "stderr over 4 trials") == \
        "0.5 ± 0.012 per step (stderr over 4 trials)"


def test_meanfield_summary_and_json(tmp_path, capsys):
    args = ["meanfield", "--g", "1.5", "--gamma", "0", "--lags", "5", "-o", str(tmp_path / "m.nc")]
    assert cli.main(args) == 0
    text = capsys.readouterr().out
    assert "lambda_MF = " in text and "per step" in text and "regime: chaotic" in text
    assert "mean m* = 0," in text  # m* is 0 by symmetry, up to rounding
    assert cli.main(args + ["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["regime"] == "chaotic" and data["lambda_max"] > 0 and data["output"].endswith("m.nc")


def test_lyapunov_summary_has_its_unit(tmp_path, capsys):
    assert cli.main(["lyapunov", "--N", "60", "--steps", "300", "--transient", "50", "--trials", "2", "-q",
                     "-o", str(tmp_path / "l.nc")]) == 0
    text = capsys.readouterr().out
    assert "lambda_max = " in text and "per step (stderr over 2 trials)" in text


def test_verbose_sends_the_package_log_to_stderr(tmp_path, capsys):
    args = ["meanfield", "--g", "1.5", "--gamma", "0", "--lags", "5", "-o", str(tmp_path / "m.nc")]
    try:
        assert cli.main(args) == 0
        assert "snt.meanfield" not in capsys.readouterr().err  # silent by default
        assert cli.main(args + ["-v"]) == 0
        err = capsys.readouterr().err
        assert "snt.meanfield._theory: mean field" in err and "converged after" in err
    finally:
        logger = logging.getLogger("snt")
        for h in [h for h in logger.handlers if getattr(h, "_snt_cli", False)]:
            logger.removeHandler(h)
        logger.setLevel(logging.NOTSET)
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("snt").handlers)


def test_ctrl_c_on_a_sweep_prints_one_line_and_the_same_command_resumes(tmp_path, capsys, monkeypatch):
    sweep_module = importlib.import_module("snt.sweep")
    config = tmp_path / "c.toml"
    config.write_text('study = "lyapunov"\n[base]\nN = 20\n[grid]\ng = [0.5, 1.0, 1.5, 2.0]\n'
                      '[options]\nsteps = 200\ntransient = 50\ntrials = 1\n')
    store = tmp_path / "q.zarr"
    argv = ["sweep", str(config), "-o", str(store), "--workers", "1", "-q"]
    original = sweep_module._compute_point
    calls = []

    def interrupted_at_the_fourth(*args, **kwargs):
        calls.append(args[3])
        if len(calls) == 4:
            raise KeyboardInterrupt  # what Ctrl-C raises in the main thread
        return original(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "_compute_point", interrupted_at_the_fourth)
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 130
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "snt sweep: interrupted: 3/4 points saved in q.zarr; run the same command to resume"]
    monkeypatch.setattr(sweep_module, "_compute_point", original)
    assert cli.main(argv) == 0
    assert "4 points done" in capsys.readouterr().out
    import snt
    assert bool(snt.open(store).done.all())


def test_help_formatter_states_defaults():
    p = argparse.ArgumentParser(formatter_class=cli.HelpFormatter)
    p.add_argument("--a", type=int, default=3, help="an int")
    p.add_argument("--b", action="store_true", help="a flag")
    p.add_argument("--c", default=None, help="automatic")
    text = p.format_help()
    assert "an int (default 3)" in text and "a flag (default: off)" in text and "(default: automatic)" in text


@pytest.mark.slow
def test_a_real_sigint_on_a_dask_sweep_prints_one_line_and_the_same_command_resumes(tmp_path):
    """Ctrl-C as a terminal sends it: SIGINT to the whole process group (the command and its dask workers),
    once the store holds its first point; then the same command finishes only the missing points."""
    config = tmp_path / "c.toml"
    config.write_text('study = "lyapunov"\n[base]\nN = 200\n[grid]\n'
                      'g = [0.5, 0.8, 1.0, 1.2, 1.5, 1.8, 2.0, 2.2, 2.5, 2.8, 3.0, 3.2]\n'
                      '[options]\nsteps = 3000\ntransient = 500\ntrials = 2\n')
    store = tmp_path / "q.zarr"
    argv = [sys.executable, "-m", "snt", "sweep", str(config), "-o", str(store), "--workers", "2", "-q"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    start = time.monotonic()
    while not store.exists() and proc.poll() is None and time.monotonic() - start < 600:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    time.sleep(2.0)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"SIGINT was not honoured within 120 s; stderr: {err[-2000:]}")
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    saved = re.fullmatch(r"snt sweep: interrupted: (\d+)/12 points saved in .*q\.zarr; run the same command "
                         r"to resume", lines[0])
    assert saved is not None, lines[0]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr
    import snt
    assert bool(snt.open(store).done.all())


def test_a_real_sigint_during_the_first_compilation_prints_one_line(tmp_path):
    """Ctrl-C while numba compiles the kernels for the first time (a copy of the package without its compiled
    cache, and an empty cache directory): the command stops within seconds with the one-line message and
    status 130, not after the compilation (about a minute) nor with a traceback."""
    import shutil

    package = Path(__file__).resolve().parents[1] / "snt"
    shutil.copytree(package, tmp_path / "pkg" / "snt", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "pkg"), NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    argv = [sys.executable, "-m", "snt", "simulate", "--N", "200", "--steps", "100000", "-o", str(tmp_path / "x.nc")]
    # a job started in the background by a shell has SIGINT ignored, which its children inherit; a terminal's
    # Ctrl-C reaches a foreground command, where it has its default action
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(6.0)            # the package is imported (1-2 s); the first compilation takes 30-60 s
    assert proc.poll() is None, proc.communicate()
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"SIGINT during the compilation was not honoured within 20 s; stderr: {err[-2000:]}")
    assert time.monotonic() - sent < 20
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "snt simulate: interrupted"
    assert not (tmp_path / "x.nc").exists()
    assert not any(tmp_path.glob("*.nc*"))             # no partial file either
