"""Edge of chaos from simulation: network averages, crossing, 1/N extrapolation, mean-field value."""

import numpy as np
import pytest

import snt
from snt.edge import _crossing


def test_crossing_interpolates_the_first_upward_zero():
    g = np.array([0.0, 1.0, 2.0, 3.0])
    assert _crossing(g, np.array([-1.0, -0.5, 0.5, 1.0])) == pytest.approx(1.5)
    assert np.isnan(_crossing(g, np.array([-1.0, -0.5, -0.2, -0.1])))


def test_edge_of_chaos_small_sizes():
    ens = snt.Ensemble(J=1.0, gamma=0.3)
    gains = np.linspace(0.4, 2.0, 9)
    ds = snt.edge_of_chaos(ens, sizes=(40, 80), networks=4, seed=2, gains=gains, steps=400, transient=300,
                           bootstrap=60)
    assert ds.lambda_max.dims == ("size", "network", "g")
    # the average and the standard error are over networks (a plain numpy reference)
    np.testing.assert_allclose(ds.lambda_mean, ds.lambda_max.mean("network"))
    np.testing.assert_allclose(ds.lambda_mean_stderr, ds.lambda_max.std("network", ddof=1) / 2.0)
    for N in (40, 80):
        row = ds.sel(size=N)
        g0 = float(row.g_zero)
        assert g0 == pytest.approx(_crossing(gains, row.lambda_mean.values))
        assert float(row.g_zero_low) <= g0 + 1e-12 and g0 - 1e-12 <= float(row.g_zero_high)
    assert float(ds.g_meanfield) == pytest.approx(0.7, abs=1e-6)
    # two sizes: the 1/N line goes through both crossings
    x = 1.0 / np.array([40.0, 80.0])
    b = (ds.g_zero.values[1] - ds.g_zero.values[0]) / (x[1] - x[0])
    assert float(ds.g_infinity) == pytest.approx(ds.g_zero.values[0] - b * x[0], rel=1e-9)
    # first bifurcation of each network: below the onset of chaos, near (1 - gamma)/rho(J) -> 0.7
    assert np.all(ds.g_bifurcation.values < ds.g_zero.values[:, None] + 1e-9)
    assert np.all(np.abs(ds.g_bifurcation.values - 0.7) < 0.25)
    # same seed, same result
    again = snt.edge_of_chaos(ens, sizes=(40,), networks=4, seed=2, gains=gains, steps=400, transient=300,
                              bootstrap=60)
    np.testing.assert_array_equal(again.lambda_max.values[0], ds.lambda_max.values[0])


def test_edge_of_chaos_figure_and_bad_input():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ds = snt.edge_of_chaos(snt.Ensemble(J=1.0), sizes=(30, 60), networks=2, seed=1,
                           gains=np.linspace(0.5, 2.5, 5), steps=200, transient=100, bootstrap=20)
    ax_l, ax_n = snt.plot.edge_of_chaos(ds)
    assert len(ax_l.lines) >= 2 and ax_n.get_xlabel() == "1/N"
    plt.close("all")
    with pytest.raises(ValueError, match="networks"):
        snt.edge_of_chaos(snt.Ensemble(J=1.0), networks=1)
    with pytest.raises(ValueError, match="gains"):
        snt.edge_of_chaos(snt.Ensemble(J=1.0), sizes=(20,), networks=2, gains=[1.0, 0.5])
    with pytest.raises(TypeError, match="Ensemble"):
        snt.edge_of_chaos(snt.Network(np.eye(2)))


@pytest.mark.slow
def test_edge_of_chaos_sizes_up_to_1000():
    """The issue's point (γ = 0.3): the averaged crossing and the mean-field g_c side by side, N up to 1000.
    The first bifurcation of sampled networks extrapolates to the mean-field value within 3 standard
    errors (its finite-N shift is O(N^-1/2) of the spectral radius)."""
    ens = snt.Ensemble(J=1.0, gamma=0.3)
    ds = snt.edge_of_chaos(ens, sizes=(250, 500, 1000), networks=4, seed=3, gains=np.linspace(0.5, 1.5, 11),
                           steps=800, transient=600, bootstrap=100)
    gb = ds.g_bifurcation.mean("network").values
    assert np.all(np.abs(gb - 0.7) < 0.05)
    assert np.all(ds.g_zero.values >= gb - 1e-9)
