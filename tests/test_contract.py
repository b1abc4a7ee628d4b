"""The shared result vocabulary (snt.results), asserted over every public analysis on a tiny network (the
trajectory engine, the spectra, stability, the route to chaos and the mean-field theory): standard dimension
names, long_name and units on every coordinate and variable, the provenance attributes, and the CF status
variable wherever trials can fail."""

import numpy as np
import pytest

import snt
from snt import response
from snt.results import COORDS, STATUS

ENS = snt.Ensemble(N=8, J=1.0, Jbar=0.2, g=1.6, gamma=0.3, sigma=0.1)
NET = ENS.sample(seed=1)
QUIET = NET.replace(sigma=0.0)


def _kernel():
    return response.kernel(NET, 3, sources=[0, 1], method=("jacobian", "perturbation"), steps=12, transient=2,
                           trials=2, blocks=2, probes=1, theory=False, seed=1, max_separation=1.0)


def _spectrum():
    return snt.power_spectrum(snt.simulate(NET, 64, trials=2, seed=1), nperseg=16)


ANALYSES = {
    "simulate": lambda: snt.simulate(NET, 5, trials=2, record=("u", "M", "m"), seed=1),
    "max_lyapunov": lambda: snt.max_lyapunov(NET, 30, tangent_transient=2, trials=2, blocks=2, seed=1),
    "lyapunov_spectrum": lambda: snt.lyapunov_spectrum(NET, 30, k=3, tangent_transient=2, trials=2, blocks=2,
                                                        seed=1),
    "response.kernel": _kernel,
    "response.kernel(noise)": lambda: response.kernel(NET, 3, sources=0, method="noise", steps=12, transient=2,
                                                      trials=2, blocks=2, theory=False, seed=1),
    "response.susceptibility": lambda: response.susceptibility(NET, [0.5, 1.0], steps=8, transient=2, settle=2,
                                                               trials=2, blocks=2, seed=1),
    "response.susceptibility_from_kernel": lambda: response.susceptibility_from_kernel(_kernel(), [0.5, 1.0]),
    "response.effective_connectivity": lambda: response.effective_connectivity(
        _kernel().sel(estimator="jacobian"), 1, net=NET),
    "power_spectrum": _spectrum,
    "power_spectrum(u)": lambda: snt.power_spectrum(snt.simulate(NET, 64, trials=2, seed=1), "u", nperseg=16),
    "resonances": lambda: response.resonances(
        response.susceptibility_from_kernel(_kernel().sel(estimator="jacobian"), np.linspace(0, np.pi, 9)),
        _spectrum()),
    "fixed_points": lambda: snt.fixed_points(QUIET.replace(g=0.5), starts=3, seed=1),
    "coupling_spectrum": lambda: snt.coupling_spectrum(NET, points=16),
    "bifurcation.orbit_point": lambda: snt.bifurcation.orbit_point(QUIET, seed=1, steps=64, transient=16,
                                                                   samples=8),
    "gain_sweep": lambda: snt.gain_sweep(QUIET, np.array([0.3, 2.0]), steps=64, transient=16, samples=8,
                                         seed=1),
    "first_bifurcation": lambda: snt.first_bifurcation(QUIET.replace(theta=np.zeros(8)), points=8),
    "bifurcation.fixed_point_continuation": lambda: snt.bifurcation.fixed_point_continuation(
        QUIET, np.array([0.2, 0.5])),
    "bifurcation.spectra": lambda: snt.bifurcation.spectra(QUIET, [1.5], steps=64, transient=16, seed=1,
                                                           nperseg=16),
    "meanfield.stationary": lambda: snt.meanfield.stationary(ENS, lags=4),
    "meanfield.evolve": lambda: snt.meanfield.evolve(ENS, 6),
    "meanfield.scan": lambda: snt.meanfield.scan(ENS, "g", [1.0, 2.0], lags=4),
    "meanfield.finite_size_lambda": lambda: snt.meanfield.finite_size_lambda(
        snt.Ensemble(N=8, J=0.5, Jbar=0.2, theta_mean=0.3, g=1.0), draws=8, seed=1),
    "meanfield.compare": lambda: snt.meanfield.compare(ENS, steps=40, trials=2, seed=1, transient=10, lags=3),
    "meanfield.compare(populations)": lambda: snt.meanfield.compare(
        snt.meanfield.Populations(fractions=[0.5, 0.5], J=1.0, g=1.6, gamma=0.3, sigma=0.1, N=8), steps=40,
        trials=2, seed=1, transient=10, lags=3, lyapunov=False),
}

#: analyses that advance trials (and so can lose one)
TRIALS = {"simulate", "max_lyapunov", "lyapunov_spectrum", "response.kernel", "response.kernel(noise)",
          "response.susceptibility"}

ALLOWED_DIMS = set(COORDS)

#: analyses whose seed is recorded (the others are deterministic)
SEEDED = TRIALS | {"fixed_points", "bifurcation.orbit_point", "gain_sweep", "bifurcation.spectra",
                   "meanfield.compare", "meanfield.compare(populations)", "meanfield.finite_size_lambda"}


@pytest.fixture(scope="module", params=sorted(ANALYSES))
def result(request):
    return request.param, ANALYSES[request.param]()


def test_dimensions_are_from_the_vocabulary(result):
    name, ds = result
    assert set(ds.dims) <= ALLOWED_DIMS, (name, set(ds.dims) - ALLOWED_DIMS)


def test_every_coordinate_and_variable_has_long_name_and_units(result):
    name, ds = result
    for var in list(ds.coords) + list(ds.data_vars):
        attrs = ds[var].attrs
        assert attrs.get("long_name"), (name, var)
        assert "units" in attrs, (name, var)
    for dim in ds.dims:
        if dim in ds.coords:
            assert ds[dim].attrs["units"] == COORDS[dim][1], (name, dim, ds[dim].attrs)


def test_provenance(result):
    name, ds = result
    for key in ("title", "source", "method", "parameters", "history", "references"):
        assert key in ds.attrs, (name, key)
    assert ds.attrs["source"] == f"snt {snt.__version__}"
    if name in SEEDED:
        assert ds.attrs["seed_entropy"] == "1", name


def test_status_variable_where_trials_can_fail(result):
    name, ds = result
    if name not in TRIALS:
        return
    st = ds["status"]
    assert st.dims == ("trial",) and st.dtype == np.int8
    assert list(st.attrs["flag_values"]) == list(STATUS.values())
    assert st.attrs["flag_meanings"].split() == list(STATUS)
    assert np.all(st.values == STATUS["ok"])
    assert ds["diverged_at"].attrs["units"] == "step"


def test_every_status_variable_carries_the_cf_flags(result):
    name, ds = result
    if name in ("bifurcation.fixed_point_continuation",):
        assert "status" in ds, name          # grid points beyond the branch end are flagged, not only NaN
    if "status" not in ds:
        return
    st = ds["status"]
    assert st.dtype == np.int8 and set(np.unique(st.values)) <= set(STATUS.values()), name
    assert list(st.attrs["flag_values"]) == list(STATUS.values())
    assert st.attrs["flag_meanings"].split() == list(STATUS)


def test_nan_only_with_a_status_flag(result):
    name, ds = result
    if name not in TRIALS:
        return
    for var in ds.data_vars:
        values = ds[var].values
        if np.issubdtype(values.dtype, np.inexact):
            assert not np.any(np.isnan(values)), (name, var)


def test_round_trip(result, tmp_path):
    import xarray as xr
    name, ds = result
    path = snt.save(ds, tmp_path / "r.nc")
    xr.testing.assert_identical(snt.open(path), ds)
