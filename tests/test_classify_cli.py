"""`snt classify train` / `snt classify eval` through the argparse registration."""

import argparse
import json

import pytest

from snt.classify import cli


def _run(argv, capsys):
    parser = argparse.ArgumentParser(prog="snt")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    args = parser.parse_args(argv)
    args.json = True  # snt.cli adds --json to every subcommand; this parser has only classify's options
    status = args.func(args)
    return status, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_then_eval_roundtrip(tmp_path, capsys):
    out = tmp_path / "model.nc"
    status, rep = _run(["classify", "train", "--model", "sa-node", "--dataset", "digits", "-o", str(out),
                        "--maxiter", "6", "--n-nodes", "64", "--steps", "20", "--lr", "0.02", "--batch-size", "50",
                        "--dtype", "float64", "-q"], capsys)
    assert status == 0 and out.exists()
    assert rep["model"] == "sa-node" and rep["test_accuracy"] > 0.5      # chance: 0.1
    status, ev = _run(["classify", "eval", str(out), "--attack", "0", "0.5", "--repeats", "2"], capsys)
    assert status == 0
    assert ev["test_accuracy"] == rep["test_accuracy"]           # the saved model predicts the same
    assert ev["attack"]["0"][0] == rep["test_accuracy"]
    assert ev["attack"]["0.5"][0] < ev["attack"]["0"][0]
    assert ev["max_growth_rate"] < 0


def test_eval_rejects_other_files(tmp_path, capsys):
    import xarray as xr

    p = tmp_path / "other.nc"
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(p, engine="h5netcdf")
    with pytest.raises(ValueError, match="model_file"):
        _run(["classify", "eval", str(p)], capsys)


@pytest.mark.filterwarnings("ignore:.*chance level:RuntimeWarning")   # one-epoch runs: plumbing only
def test_train_passes_input_scale_and_eigenvalue_rate(tmp_path, capsys):
    out = tmp_path / "model.nc"
    status, rep = _run(["classify", "train", "--model", "cvfr", "--dataset", "digits", "-o", str(out),
                        "--maxiter", "1", "--n-nodes", "64", "--steps", "5", "--batch-size", "200",
                        "--input-scale", "0.1", "--lr-eigenvalues", "0.05", "--lr-gamma", "0.001", "--n-train", "400",
                        "--loss", "xent", "--temperature", "0.2", "--ema", "0.9", "--init", "complement",
                        "--training-noise", "2", "--input-noise", "0.05", "--clip-norm", "50", "-q"], capsys)
    assert status == 0
    params = json.loads(cli._open(out).attrs["parameters"])
    assert params["input_scale"] == 0.1 and params["lr_eigenvalues"] == 0.05 and params["lr_gamma"] == 0.001
    assert params["loss"] == "xent" and params["temperature"] == 0.2 and params["ema"] == 0.9
    assert params["init"] == "complement" and params["training_noise"] == 2.0 and params["sigma"] is None
    assert params["input_noise"] == 0.05 and params["clip_norm"] == 50.0
    status, ev = _run(["classify", "eval", str(out)], capsys)
    assert ev["test_accuracy"] == rep["test_accuracy"]      # the reloaded model scales its inputs too


@pytest.mark.filterwarnings("ignore:.*chance level:RuntimeWarning")   # one-epoch runs: plumbing only
def test_train_preset_with_overrides(tmp_path, capsys):
    from snt.classify.presets import DIGITS

    out = tmp_path / "model.nc"
    status, rep = _run(["classify", "train", "--model", "wilson-cowan", "--dataset", "digits", "--preset",
                        "digits", "--maxiter", "1", "--n-train", "200", "-o", str(out), "-q"], capsys)
    assert status == 0
    params = json.loads(cli._open(out).attrs["parameters"])
    expected = {**DIGITS["wilson-cowan"], "maxiter": 1}
    assert {k: params[k] for k in expected} == expected
    assert params["dtype"] == "float64" and params["preset"] == "digits"


@pytest.mark.filterwarnings("ignore:.*chance level:RuntimeWarning")   # one-epoch runs: plumbing only
@pytest.mark.parametrize("preset", ["paper", "mnist", "fashion-mnist"])
def test_train_selects_every_preset_by_name(tmp_path, capsys, preset):
    from snt.classify import presets

    out = tmp_path / "model.nc"
    status, _ = _run(["classify", "train", "--model", "sa-node", "--preset", preset, "--maxiter", "1",
                      "--steps", "3", "--n-train", "100", "-o", str(out), "-q"], capsys)
    assert status == 0
    params = json.loads(cli._open(out).attrs["parameters"])
    table = presets.PRESETS[preset]["sa-node"]
    assert all(params[k] == v for k, v in table.items() if k not in ("maxiter", "steps"))


def test_train_preset_unknown_combination(tmp_path, capsys):
    with pytest.raises(ValueError, match="preset='fashion-mnist' has no settings for model='cvfr'"):
        _run(["classify", "train", "--model", "cvfr", "--dataset", "digits", "--preset", "fashion-mnist",
              "-o", str(tmp_path / "m.nc")], capsys)


def test_every_estimator_option_is_a_command_line_option():
    """The options of `snt classify train` are the fields of the one settings table."""
    from dataclasses import fields

    from snt.classify.config import Settings

    parser = argparse.ArgumentParser(prog="snt")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    train = sub.choices["classify"]._subparsers._group_actions[0].choices["train"]
    dests = {a.dest for a in train._actions}
    cli_fields = {f.name for f in fields(Settings) if f.metadata["cli"]}
    assert cli_fields - {"random_state"} <= dests and "seed" in dests
    assert {f.name for f in fields(Settings)} - cli_fields == {"callback", "seed", "verbose"}


def test_train_with_noise_then_eval_under_other_noise(tmp_path, capsys):
    out = tmp_path / "noisy.nc"
    status, rep = _run(["classify", "train", "--model", "sa-node", "--dataset", "digits", "-o", str(out),
                        "--noise", "additive", "--sigma", "0.05", "--maxiter", "6", "--n-nodes", "64", "--steps",
                        "20", "--lr", "0.02", "--batch-size", "50", "--dtype", "float64", "-q"], capsys)
    assert status == 0 and rep["test_accuracy"] > 0.5
    params = json.loads(cli._open(out).attrs["parameters"])
    assert params["noise"] == "additive" and params["sigma"] == 0.05
    _, ev = _run(["classify", "eval", str(out), "--lna"], capsys)
    assert ev["noise"] == {"kind": "additive", "sigma": 0.05}
    assert len(ev["lna"]["status"]) == 10 and ev["lna"]["widest_variance"][0] > 0
    # the same coupling run without noise: no LNA spread, status 'deterministic' for every class
    _, det = _run(["classify", "eval", str(out), "--noise", "none", "--lna", "--corruption", "gaussian",
                   "--levels", "0", "0.6", "--repeats", "2"], capsys)
    assert det["noise"] is None and set(det["lna"]["status"]) == {"deterministic"}
    assert det["corruption"] == "gaussian" and det["attack"]["0.6"][0] < det["attack"]["0"][0]
    assert det["attack"]["0"][1] == 0                  # deterministic model, uncorrupted items: no spread
    _, sd = _run(["classify", "eval", str(out), "--noise", "state-dependent", "--sigma", "0.05"], capsys)
    assert sd["noise"] == {"kind": "state-dependent", "sigma": 0.05}
    with pytest.raises(ValueError, match="--sigma"):
        _run(["classify", "eval", str(out), "--sigma", "0.1"], capsys)
    with pytest.raises(SystemExit):                    # argparse: an unknown noise model
        _run(["classify", "train", "--noise", "poisson"], capsys)


def test_option_help_is_plain_text():
    # the option docs are reStructuredText for the API pages; --help spells them out
    from snt.classify.config import add_arguments, plain_text

    assert plain_text(r"default :math:`0.1\sqrt{128/N}`, see :mod:`snt.classify.noise` and ``steps``") == \
        "default 0.1 sqrt(128/N), see snt.classify.noise and steps"
    assert plain_text(r":math:`2^{\mathrm{round}(\log_2(n/45))}` and :math:`4F \le N`") == \
        "2^(round(log_2(n/45))) and 4F <= N"
    text = add_arguments(argparse.ArgumentParser()).format_help()
    for markup in (":math:", ":mod:", ":func:", ":class:", "``", "\\"):
        assert markup not in text, markup
