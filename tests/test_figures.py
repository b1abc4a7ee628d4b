"""The figure families (``snt figures``) and ``snt plot``: every figure passes tests/figure_checks.py."""

import json

import numpy as np
import pytest

import snt
from snt.cli import main
from snt.figures import FAMILIES, _style

from .figure_checks import problems

CHEAP = ["lyapunov", "response"]


@pytest.fixture
def checked(monkeypatch):
    """Every figure saved through the house style is checked first; returns the list of (name, problems)."""
    seen = []
    save = _style.save

    def checking_save(fig, folder, name, formats=_style.FORMATS):
        seen.append((name, problems(fig)))
        return save(fig, folder, name, formats)
    monkeypatch.setattr(_style, "save", checking_save)
    return seen


def _run_and_check(families, tmp_path, checked):
    assert main(["figures", "--quick", "-q", "--out", str(tmp_path), *families]) == 0
    assert len(checked) == len(families)
    for name, found in checked:
        assert not found, f"{name}: " + "; ".join(found)
        for fmt in _style.FORMATS:
            assert (tmp_path / f"{name}.{fmt}").stat().st_size > 1000


def test_cheap_families_pass_the_checks(tmp_path, checked):
    _run_and_check(CHEAP, tmp_path, checked)


@pytest.mark.slow
def test_every_family_quick(tmp_path, checked):
    _run_and_check(list(FAMILIES), tmp_path, checked)


def test_checks_catch_bad_figures():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(2, 2), layout=None)
    ax.plot([1, 2, 3], [1, 4, 9])
    ax.plot([1, 2, 3], [2, 3, 4])
    ax.set_xlim(1, 1.5)                                  # fractional ticks on integer x
    ax.text(1.0, 5.0, "a long text running out of the figure on the right")
    found = " ".join(problems(fig))
    assert "no legend" in found and "no label" in found and "fractional ticks" in found
    assert "outside the figure" in found
    plt.close(fig)
    with _style.style():
        fig, axs = _style.figure(1, 1, width=3)
        ax = axs[0, 0]
        _style.points(ax, [1, 2, 3], [1, 2, 3], [0.1, 0.1, 0.1], label="simulation")
        _style.line(ax, [1, 3], [1, 3], k=1, label="theory")
        _style.reference(ax, 0.0)
        _style.integer_axis(ax, "x")
        ax.set(xlabel="index i", ylabel="value [1]")
        ax.legend()
        assert problems(fig) == []
        plt.close(fig)


def test_plot_file_draws_stored_results(tmp_path, checked):
    net = snt.Ensemble(N=30, g=2.0).sample(seed=1)
    snt.save(snt.simulate(net, 100, trials=2, seed=1), tmp_path / "run.nc")
    snt.save(snt.lyapunov_spectrum(net, 300, k=30, transient=50, seed=2), tmp_path / "spec.nc")
    snt.save(snt.coupling_spectrum(net), tmp_path / "law.nc")
    for name in ("run", "spec", "law"):
        assert main(["plot", str(tmp_path / f"{name}.nc"), "--out", str(tmp_path / "out")]) == 0
        assert (tmp_path / "out" / f"{name}.png").is_file()
    for name, found in checked:
        assert not found, f"{name}: " + "; ".join(found)


def test_plot_file_draws_a_sweep_store(tmp_path, checked):
    from snt.studies import STUDIES
    net = snt.Ensemble(N=20).sample(seed=1)
    snt.sweep(STUDIES["lyapunov"], {"g": [0.5, 2.5], "gamma": [0.0, 0.5]}, base=net, seed=3,
              store=tmp_path / "s.zarr", client="serial", progress=False,
              study_kwargs={"steps": 300, "transient": 50, "trials": 1})
    assert main(["plot", str(tmp_path / "s.zarr"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "s.png").is_file()
    (name, found), = checked
    assert not found, "; ".join(found)


def test_plot_file_rejects_unknown_kind(tmp_path, capsys):
    import xarray as xr
    snt.save(xr.Dataset({"x": ("a", np.arange(3.0))}), tmp_path / "x.nc")
    assert main(["plot", str(tmp_path / "x.nc")]) == 2
    assert "known kinds" in capsys.readouterr().err


def test_classifier_table_reads_every_stored_run(tmp_path):
    from snt.figures.classifier import PAPERS, stored_accuracies
    (tmp_path / "fashion_sa-node_xent.json").write_text(json.dumps({"test_accuracy": 0.8878}))
    (tmp_path / "mnist_sa-node.json").write_text(json.dumps(
        {"validation": {"mnist": {"accuracy": 0.98}}, "test": {"0": {"accuracy": 0.981}, "1": {"accuracy": 0.979}}}))
    rows = {(m, d): (acc, paper) for m, d, acc, paper in stored_accuracies(tmp_path)}
    assert rows[("double well", "Fashion-MNIST")] == ([0.8878], PAPERS[("double well", "Fashion-MNIST")])
    assert rows[("double well", "MNIST")] == ([0.981, 0.979], PAPERS[("double well", "MNIST")])
    assert ("Wilson–Cowan", "MNIST") not in rows        # no file, no row
