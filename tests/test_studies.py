"""The default study and TOML sweep configurations, through the command line."""

import pytest

import snt
from snt import cli
from snt.studies import load_config


def test_default_study_quick_run(tmp_path, capsys):
    out = tmp_path / "default.zarr"
    assert cli.main(["sweep", "--quick", "--workers", "1", "-q", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "first bifurcation" in text and "wrote" in text
    ds = snt.open(out)
    assert set(ds.gamma.values) == {0.0, 0.5} and bool(ds.done.all())
    for gamma in (0.0, 0.5):
        part = ds.sel(gamma=gamma)
        # the stored first bifurcation is E5 for this network
        net = snt.Ensemble(N=100, J=1.0).sample(seed=1).replace(gamma=gamma)
        assert float(part.g_critical) == pytest.approx(float(snt.first_bifurcation(net).g_critical), rel=1e-12)
        assert str(part.regime.values[0]) == "fixed point" and str(part.regime.values[-1]) == "chaotic"
        # deep in chaos the N = 100 exponent sits within 0.05 of the mean-field value (finite-N deficit)
        assert abs(float(part.lambda_max[-1]) - float(part.lambda_mf[-1])) < 0.05
        # below the first bifurcation, at a stable fixed point, both are negative
        assert float(part.lambda_max[0]) < 0 and float(part.lambda_mf[0]) < 0
    figures = sorted((tmp_path / "default-figures").glob("*.png"))
    assert len(figures) == 6 and all(f.stat().st_size > 10_000 for f in figures)


def test_config_sweep_from_toml(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('study = "lyapunov"\nseed = 3\nnetwork_seed = 2\n[base]\nN = 40\n'
                      '[grid]\ng = {start = 0.5, stop = 2.5, num = 2}\n[options]\nsteps = 600\ntransient = 100\n')
    out = tmp_path / "c.zarr"
    assert cli.main(["sweep", str(config), "-o", str(out), "--workers", "1", "-q"]) == 0
    ds = snt.open(out)
    assert ds.lambda_max.dims == ("g",) and ds.lambda_max.values[0] < 0 < ds.lambda_max.values[1]
    assert "2 points done" in capsys.readouterr().out


def test_shipped_configs_load():
    from pathlib import Path
    for path in (Path(__file__).resolve().parents[1] / "analysis").glob("*.toml"):
        cfg = load_config(path)
        assert cfg["grid"] and cfg["study"] in snt.studies.STUDIES


@pytest.mark.parametrize("text,words", [
    ('study = "nope"\n[grid]\ng = [1.0]\n', "study must be one of"),
    ('study = "orbit"\n', "grid"),
    ('[grid]\ng = {start = 1}\n', "start, stop and num"),
    ('colour = 1\n[grid]\ng = [1.0]\n', "unknown keys"),
    ('[base]\ngamma = 2.0\n[grid]\ng = [1.0]\n', "gamma"),
])
def test_bad_configs(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=words):
        load_config(path)


@pytest.mark.parametrize("text,exc,words", [
    ('common_random_numbers = "no"\n[grid]\ng = [1.0]\n', TypeError, "common_random_numbers must be true or false"),
    ('[grid]\ng = {start = 0.0, stop = 1.0, num = 2.7}\n', TypeError, "num must be an integer"),
    ('[grid]\ng = {start = 0.0, stop = 1.0, num = 3, step = 0.1}\n', ValueError,
     r"unknown key\(s\) \['step'\] in a range; allowed: \['num', 'start', 'stop'\]"),
    ('[grid]\ng = ["a", 1.0]\n', TypeError, "list of numbers"),
    ('seed = 1.5\n[grid]\ng = [1.0]\n', TypeError, "seed must be a non-negative integer"),
    ('[base]\ncolour = 1\n[grid]\ng = [1.0]\n', ValueError, r"unknown key\(s\) \['colour'\] in \[base\]"),
    ('[base]\nN = 2.5\n[grid]\ng = [1.0]\n', TypeError, r"\[base\]: N must be an integer"),
    ('[options]\nstepz = 10\n[grid]\ng = [1.0]\n', ValueError, r"unknown option\(s\) \['stepz'\].*allowed"),
    ('[grid]\ng = [1.0\n', ValueError, "not a valid TOML file"),
])
def test_configs_are_not_coerced(tmp_path, text, exc, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(exc, match=words):
        load_config(path)
