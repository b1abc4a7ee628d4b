"""Kaplan-Yorke dimension with unresolved exponent signs; Network.replace drops the ensemble description."""

import numpy as np
import pytest

import snt
from snt.lyapunov import kaplan_yorke


@pytest.mark.parametrize("lam1", [1e-6, -1e-6, 0.0])
def test_kaplan_yorke_is_stable_when_an_exponent_is_within_its_error_of_zero(lam1):
    # an invariant circle: lambda_1 = 0 to within its standard error, lambda_2 < 0
    d, complete, err, resolved = kaplan_yorke([lam1, -0.1, -0.5], 3, [1.5e-5, 1e-3, 1e-3])
    assert d == pytest.approx(1.0) and complete
    assert not resolved                         # the sign of lambda_1 is not resolved
    assert err < 1e-2                           # the resolved exponents move D by ~se/|lambda_2|


def test_kaplan_yorke_uncertainty_from_the_resolved_exponents():
    lam, se = np.array([0.5, 0.1, -0.3, -1.0]), np.array([0.01, 0.01, 0.01, 0.01])
    d, complete, err, resolved = kaplan_yorke(lam, 4, se)
    assert d == pytest.approx(3.3) and complete and resolved
    lo = kaplan_yorke(lam - se, 4)[0]
    hi = kaplan_yorke(lam + se, 4)[0]
    assert err == pytest.approx(0.5 * (hi - lo)) and err > 0
    assert kaplan_yorke(lam, 4) == (pytest.approx(3.3), True)   # without errors: the plain definition


def test_lyapunov_spectrum_reports_the_dimension_uncertainty():
    net = snt.Ensemble(N=60, J=1.0, g=2.5).sample(seed=2)
    sp = snt.lyapunov_spectrum(net, 1200, k=8, transient=200, seed=3)
    assert float(sp.kaplan_yorke_uncertainty) >= 0
    assert bool(sp.kaplan_yorke_resolved) in (True, False)
    d, _, err, res = kaplan_yorke(sp.exponents.values, 60, sp.exponents_stderr.values)
    assert float(sp.kaplan_yorke_dimension) == pytest.approx(d) and float(sp.kaplan_yorke_uncertainty) == err


def test_replacing_J_drops_the_ensemble_law():
    net = snt.Ensemble(N=300, J=1.0).sample(seed=1)
    wide = net.replace(J=2.0 * net.J)
    assert "ensemble" not in wide.origin and wide.origin["replaced"] == ["J"]
    assert wide.origin["previous"] == net.origin            # kept for provenance
    spec = snt.coupling_spectrum(wide)
    assert float(spec.radius) == pytest.approx(2.0, rel=0.05)  # from the moments of the new J
    assert int(spec.outside.sum()) <= 3                      # not 174 of 300 "outliers"
    assert net.replace(g=2.0).origin == net.origin           # a gain change keeps the ensemble
    assert "ensemble" not in net.replace(theta=0.3).origin
