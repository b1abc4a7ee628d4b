"""Scans and sweeps keep the attrs of every variable and label their parameter coordinates."""

import snt
from . import sweep_studies


def test_meanfield_scan_keeps_every_variables_attrs():
    ens = snt.Ensemble(J=1.0)
    ds = snt.meanfield.scan(ens, "g", [0.5, 2.0], lags=4)
    one = snt.meanfield.stationary(ens.replace(g=2.0), lags=4)
    for k in one.variables:
        assert set(ds[k].attrs) == set(one[k].attrs), k
        assert ds[k].attrs.get("long_name") == one[k].attrs.get("long_name"), k
    assert ds.g.attrs == {"long_name": "gain g", "units": "1"}
    assert ds.attrs["title"].startswith("Dynamic mean-field stationary state along g")


def test_sweep_coordinates_have_long_name_and_units():
    ds = snt.sweep(sweep_studies.noisy_mean, {"g": [0.5, 1.0], "gamma": [0.0], "sigma": [0.1]},
                   base=snt.Ensemble(N=20, g=1.0), seed=1, client="serial", progress=False)
    assert ds.g.attrs == {"long_name": "gain g", "units": "1"}
    assert ds.gamma.attrs == {"long_name": "leak gamma", "units": "1"}
    assert ds.sigma.attrs == {"long_name": "noise amplitude sigma", "units": "1"}
    assert ds.m_mean.attrs["long_name"] == "mean m"
