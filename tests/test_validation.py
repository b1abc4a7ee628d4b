"""Bad input over the public API: every invalid value of every validated parameter raises a ValueError or
TypeError whose message names the parameter (a property test over ~200 kinds of bad value), and the TOML
configuration refuses what it used to coerce.

A *kind* is one (function, parameter, class of invalid value): below the range, above it, NaN, infinite,
a bool, a str, None, a complex number, a float where an integer is due, a wrong shape, an unknown name, ...
Hypothesis draws values of each kind.
"""

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import snt
from snt import ensembles, meanfield
from snt.classify.data import load_dataset
from snt.network import TRANSFERS
from snt.studies import load_config

from . import sweep_studies

NET = snt.Ensemble(N=6, g=1.5).sample(seed=1)
ENS = snt.Ensemble(N=6, g=1.5)
TEXT = st.text(max_size=4)
COMPLEX = st.complex_numbers(max_magnitude=1e6, allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0)


def ints(minimum=None, maximum=None):
    """Invalid values of an integer parameter within [minimum, maximum]."""
    kinds = {"float": st.floats(-1e6, 1e6), "bool": st.booleans(), "str": TEXT, "None": st.none(),
             "complex": COMPLEX}
    if minimum is not None:
        kinds["below"] = st.integers(minimum - 10**6, minimum - 1)
    if maximum is not None:
        kinds["above"] = st.integers(maximum + 1, maximum + 10**6)
    return kinds


def reals(minimum=None, maximum=None, strict_min=False, strict_max=False, none_ok=False):
    """Invalid values of a real parameter within its bounds."""
    kinds = {"nan": st.just(math.nan), "inf": st.sampled_from([math.inf, -math.inf]), "bool": st.booleans(),
             "str": TEXT, "complex": COMPLEX, "list": st.lists(st.floats(-1, 1), min_size=1, max_size=2)}
    if not none_ok:
        kinds["None"] = st.none()
    if minimum is not None:
        kinds["below"] = st.floats(minimum - 1e6, minimum, exclude_max=not strict_min)
    if maximum is not None:
        kinds["above"] = st.floats(maximum, maximum + 1e6, exclude_min=not strict_max)
    return kinds


def choices(allowed):
    return {"unknown name": TEXT.filter(lambda s: s not in allowed), "not a str": st.one_of(st.integers(), st.none())}


SEEDS = {"negative": st.integers(-10**6, -1), "float": st.floats(-10, 10), "str": TEXT, "complex": COMPLEX,
         "bool": st.booleans()}
FLAGS = {"str": TEXT, "int": st.integers(-5, 5), "None": st.none()}
DYNAMICS = {"g": reals(0.0), "gamma": reals(0.0, 1.0, strict_max=True), "sigma": reals(0.0),
            "theta_mean": {k: v for k, v in reals().items()}, "theta_std": reals(0.0),
            "transfer": choices(set(TRANSFERS))}

# (function label, parameter, its invalid kinds, call(value), known failure or None)
SPECS = []


def spec(label, param, kinds, call, xfail=None):
    for kind, strategy in kinds.items():
        SPECS.append((label, param, kind, strategy, call, (xfail or {}).get(kind)))


for p, kinds in {"N": ints(1), "J": reals(0.0), "Jbar": reals(), **DYNAMICS}.items():
    spec("Ensemble", p, kinds, lambda v, p=p: snt.Ensemble(**{p: v}))
spec("Ensemble.sample", "seed", SEEDS, lambda v: ENS.sample(seed=v))
for cls, extra in [(ensembles.Correlated, {"N": ints(1), "J": reals(0.0), "eta": reals(-1.0, 1.0)}),
                   (ensembles.Sparse, {"N": ints(2), "K": ints(1, 9), "J": reals(0.0), "Jbar": reals()}),
                   (ensembles.Dale, {"N": ints(2), "frac_exc": reals(0.0, 1.0, True, True), "J": reals(0.0)})]:
    for p, kinds in extra.items():
        base = ({"N": 10} if p != "N" else {}) | ({"K": 2} if cls is ensembles.Sparse and p != "K" else {})
        spec(cls.__name__, p, kinds, lambda v, p=p, cls=cls, base=base: cls(**{**base, p: v}))
spec("Dale.sample", "seed", SEEDS, lambda v: ensembles.Dale(N=10).sample(seed=v))
for p, kinds in {"N": ints(1), "J": reals(0.0), "Jbar": reals(), "seed": SEEDS}.items():
    spec("ensembles.iid", p, kinds, lambda v, p=p: ensembles.iid(**{"N": 5, p: v}))
for p, kinds in {"N": ints(1), "J": reals(0.0), "eta": reals(-1.0, 1.0), "seed": SEEDS}.items():
    spec("ensembles.correlated", p, kinds, lambda v, p=p: ensembles.correlated(**{"N": 5, p: v}))
for p, kinds in {"N": ints(2), "K": ints(1, 4), "J": reals(0.0), "Jbar": reals(), "seed": SEEDS}.items():
    spec("ensembles.sparse", p, kinds, lambda v, p=p: ensembles.sparse(**{"N": 5, "K": 2, p: v}))
for p, kinds in {"N": ints(2), "frac_exc": reals(0.0, 1.0, True, True), "J": reals(0.0), "seed": SEEDS}.items():
    spec("ensembles.dale", p, kinds, lambda v, p=p: ensembles.dale(**{"N": 10, p: v}))
SIZES = {"not a sequence": st.one_of(st.none(), st.integers(), TEXT.filter(bool)),
         "empty": st.just([]), "below": st.lists(st.integers(-5, 0), min_size=1, max_size=3),
         "float entry": st.lists(st.floats(0.5, 5).filter(lambda x: x != int(x)), min_size=1, max_size=3)}
BLOCKS = {"nan": st.just(math.nan), "str": TEXT, "complex": COMPLEX, "bool": st.booleans(),
          "wrong shape": st.integers(3, 5).map(lambda n: np.ones((n, n)))}
spec("ensembles.populations", "sizes", SIZES, lambda v: ensembles.populations(v, 1.0))
spec("ensembles.populations", "J", {**BLOCKS, "below": st.floats(-1e3, -1e-3)},
     lambda v: ensembles.populations([3, 3], v))
spec("ensembles.populations", "Jbar", BLOCKS, lambda v: ensembles.populations([3, 3], 1.0, v))
spec("ensembles.population_radius", "sizes", SIZES, lambda v: ensembles.population_radius(v, 1.0))

ARRAYS = {"nan entries": st.just(np.full((4, 4), np.nan)), "not square": st.just(np.ones((4, 3))),
          "strings": st.just([["a", "b"], ["c", "d"]]), "ragged": st.just([[1.0, 2.0], [3.0]]),
          "1-D": st.just(np.ones(4))}
spec("Network", "J", ARRAYS, lambda v: snt.Network(v))
spec("Network", "theta", {"nan": st.just(math.nan), "wrong length": st.just(np.ones(3)),
                          "nan entries": st.just(np.full(4, np.nan))},
     lambda v: snt.Network(np.eye(4), theta=v))
for p, kinds in DYNAMICS.items():
    if p.startswith("theta"):
        continue
    spec("Network", p, kinds, lambda v, p=p: snt.Network(np.eye(3), **{p: v}))

for p, kinds in {"steps": ints(1), "trials": ints(1), "transient": ints(0), "record_every": ints(1),
                 "seed": SEEDS, "threads": ints(1)}.items():
    kinds = {k: v for k, v in kinds.items() if not (p == "threads" and k == "None")}  # None: leave BLAS alone
    spec("simulate", p, kinds, lambda v, p=p: snt.simulate(NET, **{"steps": 3, p: v}))
# found by this suite (each was a raw library error) and fixed: simulate's record, complex J and u0, gain_sweep's
# gains and counts
spec("simulate", "record", {"not a sequence": st.one_of(st.integers(), st.none())},
     lambda v: snt.simulate(NET, 3, record=v))
spec("Network", "J", {"complex": st.just(np.eye(3) * (1 + 1j))}, lambda v: snt.Network(v))
spec("simulate", "u0", {"complex": st.just(np.ones(6) * 1j)}, lambda v: snt.simulate(NET, 3, u0=v))
spec("gain_sweep", "gains", {"text": TEXT.filter(lambda s: s.strip() != "")},
     lambda v: snt.gain_sweep(NET, v, steps=20, transient=5, samples=5))
spec("gain_sweep", "steps", {"complex": COMPLEX},
     lambda v: snt.gain_sweep(NET, [1.0], steps=v, transient=5, samples=5))
for p, kinds in {"transient": ints(0), "tangent_transient": ints(0), "trials": ints(1), "blocks": ints(1),
                 "seed": SEEDS}.items():
    spec("max_lyapunov", p, kinds, lambda v, p=p: snt.max_lyapunov(NET, 200, **{p: v}))
for p, kinds in {"k": {k: s for k, s in ints(1, 6).items() if k != "None"}, "qr_every": ints(1)}.items():
    spec("lyapunov_spectrum", p, kinds, lambda v, p=p: snt.lyapunov_spectrum(NET, 200, **{p: v}))
for p, kinds in {"radius": reals(0.0, none_ok=True), "eta": reals(-1.0, 1.0, none_ok=True),
                 "outlier": reals(none_ok=True), "points": ints(8)}.items():
    spec("coupling_spectrum", p, kinds, lambda v, p=p: snt.coupling_spectrum(NET, **{p: v}))
for p, kinds in {"starts": ints(1), "seed": SEEDS, "scale": reals(0.0, strict_min=True),
                 "tol": reals(0.0, strict_min=True), "max_iter": ints(1)}.items():
    spec("fixed_points", p, kinds, lambda v, p=p: snt.fixed_points(NET, **{p: v}))
for p, kinds in {"method": choices({"auto", "continuation", "eigen", "spectrum"}),
                 "g_max": reals(0.0, strict_min=True, none_ok=True), "points": ints(2), "modes": ints(1)}.items():
    spec("first_bifurcation", p, kinds, lambda v, p=p: snt.first_bifurcation(NET, **{p: v}))
for p, kinds in {"tol": reals(0.0, strict_min=True), "max_steps": ints(1), "m0": reals(), "v0": reals(0.0)}.items():
    spec("meanfield.stationary", p, kinds, lambda v, p=p: meanfield.stationary(ENS, **{p: v}))
spec("meanfield.critical_gain", "g_max", reals(0.0, strict_min=True),
     lambda v: meanfield.critical_gain(ENS, g_max=v))

SWEEP = dict(grid={"g": [1.0]}, base=ENS, client="serial", progress=False)
for p, kinds in {"seed": SEEDS, "common_random_numbers": FLAGS, "overwrite": FLAGS,
                 "progress": FLAGS, "n_workers": ints(1),
                 "client": {"not an address": TEXT.filter(lambda s: s not in ("serial", "sync")),
                            "wrong type": st.one_of(st.integers(), st.floats())},
                 "store": {"wrong suffix": TEXT.map(lambda s: f"{s}x.nc"), "wrong type": st.integers()},
                 "study_kwargs": {"not a mapping": st.one_of(st.integers(), TEXT.filter(bool)),
                                  "non-str key": st.just({1: 2})},
                 "grid": {"empty": st.just({}), "not a mapping": st.lists(st.floats(), max_size=2),
                          "repeated values": st.floats(0, 3).map(lambda x: {"g": [x, x]}),
                          "non-finite": st.sampled_from([math.nan, math.inf]).map(lambda x: {"g": [x]}),
                          "unknown key": TEXT.filter(lambda s: s not in ENS.__dataclass_fields__).map(
                              lambda s: {s + "_": [1.0]}),
                          "text values": TEXT.map(lambda s: {"g": s})}}.items():
    kinds = {k: v for k, v in kinds.items() if not (p == "n_workers" and k == "None")}
    spec("sweep", p, kinds,
         lambda v, p=p: snt.sweep(sweep_studies.noisy_mean, **{**SWEEP, p: v}))
spec("save", "overwrite", FLAGS, lambda v: snt.save(xr.Dataset(), "x.nc", overwrite=v))
spec("save", "path", {"wrong type": st.one_of(st.integers(), st.none()),
                      "unknown format": TEXT.map(lambda s: f"{s}x.txt")}, lambda v: snt.save(xr.Dataset(), v))
spec("open", "path", {"wrong type": st.one_of(st.integers(), st.none()),
                      "unknown format": TEXT.map(lambda s: f"{s}x.csv")}, lambda v: snt.open(v))
spec("load_dataset", "name", choices({"digits", "mnist", "fashion-mnist"}), lambda v: load_dataset(v))

TOML_VALUES = {"bool": st.booleans().map(lambda b: str(b).lower()), "str": st.just('"no"'),
               "float": st.floats(0.5, 9.5).filter(lambda x: x != int(x)).map(repr), "negative": st.just("-3"),
               "array": st.just("[1, 2]")}


def _toml_call(template):
    def call(value, tmp_path):
        path = tmp_path / "c.toml"
        path.write_text(template.format(value))
        return load_config(path)
    return call


for key, template, bad in [
    ("common_random_numbers", 'common_random_numbers = {}\n[grid]\ng = [1.0]\n', ("str", "float", "negative", "array")),
    ("seed", 'seed = {}\n[grid]\ng = [1.0]\n', ("bool", "str", "float", "negative", "array")),
    ("network_seed", 'network_seed = {}\n[grid]\ng = [1.0]\n', ("bool", "str", "float", "negative")),
    ("num", '[grid]\ng = {{start = 0.0, stop = 1.0, num = {}}}\n', ("bool", "str", "float", "negative", "array")),
    ("start", '[grid]\ng = {{start = {}, stop = 1.0, num = 2}}\n', ("bool", "str", "array")),
    ("grid.g", '[grid]\ng = [{}]\n', ("bool", "str", "array")),
    ("N", '[base]\nN = {}\n[grid]\ng = [1.0]\n', ("bool", "str", "float", "negative", "array")),
    ("gamma", '[base]\ngamma = {}\n[grid]\ng = [1.0]\n', ("bool", "str", "array")),
]:
    SPECS.extend(("load_config", key, f"toml {k}", TOML_VALUES[k], _toml_call(template), None) for k in bad)
for key, template in [("step", '[grid]\ng = {{start = 0.0, stop = 1.0, num = 2, step = {}}}\n'),
                      ("colour", '[base]\ncolour = {}\n[grid]\ng = [1.0]\n'),
                      ("stepz", '[options]\nstepz = {}\n[grid]\ng = [1.0]\n'),
                      ("gain", '[grid]\ngain = [{}]\n')]:
    SPECS.append(("load_config", key, "unknown key", st.integers(0, 9).map(str), _toml_call(template), None))

KIND_IDS = [f"{label}-{param}-{kind}" for label, param, kind, *_ in SPECS]
CASES = [pytest.param(*entry[:5], id=name, marks=[pytest.mark.xfail(strict=True, reason=entry[5])] if entry[5] else [])
         for entry, name in zip(SPECS, KIND_IDS)]


def test_at_least_sixty_kinds():
    assert len(SPECS) >= 60
    assert len(set(KIND_IDS)) == len(KIND_IDS)


@pytest.mark.parametrize("label,param,kind,strategy,call", CASES)
def test_invalid_value_names_its_parameter(label, param, kind, strategy, call, tmp_path_factory, monkeypatch):
    tmp = tmp_path_factory.mktemp("v")
    monkeypatch.chdir(tmp)
    needs_path = label == "load_config"

    @settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                     HealthCheck.filter_too_much])
    @given(value=strategy)
    def check(value):
        with pytest.raises((ValueError, TypeError)) as info:
            call(value, tmp) if needs_path else call(value)
        assert param.split(".")[-1] in str(info.value), f"{label}({param}={value!r}): {info.value}"

    check()
