"""Named studies for sweeps, TOML sweep configurations, and the default study.

A configuration file (TOML) describes one sweep::

    study = "orbit"              # one of STUDIES: orbit, lyapunov, meanfield
    seed = 7
    common_random_numbers = true # the same seed at every grid point
    network_seed = 1             # optional: sample one network and sweep it (else each point samples)

    [base]                       # snt.Ensemble parameters
    N = 500
    J = 1.0

    [grid]                       # a list, or {start, stop, num} for a linspace
    g = {start = 0.2, stop = 3.0, num = 57}
    gamma = [0.0, 0.5]

    [options]                    # keyword arguments of the study
    steps = 3000
    transient = 2000

The default study (``snt sweep`` without a configuration) is the gain sweep of one N = 500 network for
γ ∈ {0, 0.5}: orbit diagram, λ_max from simulation next to the mean-field λ_MF, regimes, the first
bifurcation, and its figures written as PNG files.
"""

import json
import os
import time
from pathlib import Path

import numpy as np
import xarray as xr

from . import meanfield
from ._seeds import as_seed_sequence, child
from .bifurcation import first_bifurcation, orbit_point, spectra
from .ensembles import Ensemble
from .lyapunov import max_lyapunov
from .network import Network
from .storage import StoreLock
from .sweep import as_network, sweep

__all__ = ["STUDIES", "load_config", "run_config", "default_study"]


def lyapunov_study(obj, seed, *, steps=3000, transient=1000, trials=2, **options):
    """λ_max of the point's network: mean over trials and its standard error."""
    ly = max_lyapunov(as_network(obj, seed), steps, transient=transient, trials=trials, seed=child(seed, 1),
                      **options)
    return xr.Dataset({"lambda_max": ((), float(ly.lambda_max.mean()), dict(ly.lambda_max.attrs)),
                       "lambda_max_stderr": ((), float(ly.lambda_max_stderr), {"long_name": "standard error of lambda_max", "units": "1/step"})},
                      attrs={k: ly.attrs[k] for k in ("title", "method", "references") if k in ly.attrs})


def orbit_study(obj, seed, **options):
    """:func:`snt.bifurcation.orbit_point` on the point's network."""
    return orbit_point(as_network(obj, seed), child(seed, 1), **options)


def meanfield_study(obj, seed, **options):
    """The stationary mean-field state of the point's ensemble (no simulation; the seed is unused)."""
    if isinstance(obj, Network):
        raise TypeError("the meanfield study needs an ensemble base (theory speaks of ensembles, not of one J)")
    st = meanfield.stationary(obj, **options)
    keep = [k for k in ("m", "v", "lambda_max", "q_inf") if k in st]
    return st[keep].drop_vars([c for c in st[keep].coords])


STUDIES = {"orbit": orbit_study, "lyapunov": lyapunov_study, "meanfield": meanfield_study}


def _study_options(name):
    """The options a named study accepts (besides obj and seed), read from the functions it calls."""
    import inspect

    targets = {"orbit": [orbit_point], "lyapunov": [lyapunov_study, max_lyapunov],
               "meanfield": [meanfield.stationary]}[name]
    skip = {"obj", "seed", "net", "ens", "steps_", "progress", "options"}
    out = set()
    for func in targets:
        out |= {p.name for p in inspect.signature(func).parameters.values()
                if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in skip}
    return out


def _where(path, key):
    return f"{path}: {key}"


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _grid_values(spec, name, path):
    key = _where(path, f"grid.{name}")
    if isinstance(spec, dict):
        allowed = {"start", "stop", "num"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"{key}: unknown key(s) {sorted(unknown)} in a range; allowed: {sorted(allowed)}")
        missing = allowed - set(spec)
        if missing:
            raise ValueError(f"{key}: a range needs start, stop and num; missing {sorted(missing)}")
        for k in ("start", "stop"):
            if not _is_number(spec[k]):
                raise TypeError(f"{key}.{k} must be a number, got {spec[k]!r}")
        num = spec["num"]
        if isinstance(num, bool) or not isinstance(num, int):
            raise TypeError(f"{key}.num must be an integer (the number of points), got {num!r}")
        if num < 1:
            raise ValueError(f"{key}.num must be >= 1, got {num}")
        return np.linspace(float(spec["start"]), float(spec["stop"]), num)
    if isinstance(spec, list):
        bad = [v for v in spec if not _is_number(v)]
        if bad or not spec:
            raise TypeError(f"{key} must be a non-empty list of numbers, got {spec!r}")
        return np.asarray(spec, dtype=float)
    raise TypeError(f"{key} must be a list or {{start, stop, num}}, got {spec!r}")


def _typed(raw, key, kind, path, default):
    if key not in raw:
        return default
    value = raw[key]
    if kind == "bool" and not isinstance(value, bool):
        raise TypeError(f"{_where(path, key)} must be true or false, got {value!r}")
    if kind == "seed" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise (ValueError if isinstance(value, int) and not isinstance(value, bool) else TypeError)(
            f"{_where(path, key)} must be a non-negative integer, got {value!r}")
    if kind == "table" and not isinstance(value, dict):
        raise TypeError(f"[{key}] must be a table in {path}, got {value!r}")
    return value


def load_config(path):
    """Read and check a TOML sweep configuration; returns a dict with study, base, grid, options, seeds.

    Every key is checked before anything runs: unknown keys (at the top, in ``[base]``, in a grid range,
    in ``[options]``) are errors naming the key and listing the allowed ones; values must have the type
    they stand for (``common_random_numbers = "no"`` or ``num = 2.7`` are refused, not coerced).
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no configuration file {path}")
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a valid TOML file ({exc})") from None
    known = {"study", "seed", "common_random_numbers", "network_seed", "base", "grid", "options"}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}; allowed {sorted(known)}")
    study = raw.get("study", "orbit")
    if not isinstance(study, str) or study not in STUDIES:
        raise ValueError(f"{path}: study must be one of {sorted(STUDIES)}, got {study!r}")
    grid = _typed(raw, "grid", "table", path, None)
    if not grid:
        raise ValueError(f"{path}: a [grid] table with at least one parameter is required")
    base_spec = _typed(raw, "base", "table", path, {})
    fields = set(Ensemble.__dataclass_fields__)
    for table, keys in (("base", base_spec), ("grid", grid)):
        wrong = set(keys) - fields
        if wrong:
            raise ValueError(f"{path}: unknown key(s) {sorted(wrong)} in [{table}]; allowed: {sorted(fields)}")
    try:
        base = Ensemble(**base_spec)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{path}: [base]: {exc}") from None
    options = dict(_typed(raw, "options", "table", path, {}))
    allowed = _study_options(study)
    wrong = set(options) - allowed
    if wrong:
        raise ValueError(f"{path}: unknown option(s) {sorted(wrong)} for study {study!r}; allowed: "
                         f"{sorted(allowed)}")
    return {
        "study": study,
        "seed": _typed(raw, "seed", "seed", path, 0),
        "common_random_numbers": _typed(raw, "common_random_numbers", "bool", path, False),
        "network_seed": _typed(raw, "network_seed", "seed", path, None),
        "base": base,
        "grid": {k: _grid_values(v, k, path) for k, v in grid.items()},
        "options": options,
    }


def run_config(config, store, *, client=None, n_workers=None, progress=True, overwrite=False):
    """Run a loaded configuration as a sweep stored in ``store`` (.zarr); returns the Dataset."""
    base = config["base"]
    if config["network_seed"] is not None:
        base = base.sample(seed=config["network_seed"])
    return sweep(STUDIES[config["study"]], config["grid"], base=base, seed=config["seed"], store=store,
                 client=client, n_workers=n_workers, progress=progress, study_kwargs=config["options"],
                 common_random_numbers=config["common_random_numbers"], overwrite=overwrite)


DEFAULT = {"N": 500, "J": 1.0, "network_seed": 1, "seed": 7, "gains": (0.2, 3.0, 57), "gammas": (0.0, 0.5),
           "steps": 3000, "transient": 2000, "samples": 200}


def default_study(store="snt-default.zarr", *, client=None, n_workers=None, progress=True, quick=False,
                  overwrite=False):
    """The gain sweep of one N = 500 network for γ ∈ {0, 0.5}, with theory, first bifurcation and figures.

    Writes the sweep to ``store`` (resumable), adds the mean-field λ_MF(g, γ), v*(g, γ) and the first
    bifurcation per γ, and saves PNG figures in ``<store stem>-figures/``. ``quick=True`` uses N = 100 and a
    coarse grid (a smoke run of the whole pipeline).

    Returns
    -------
    (xarray.Dataset, list of figure paths)
    """
    cfg = dict(DEFAULT)
    if quick:
        cfg.update(N=100, gains=(0.2, 3.0, 15), steps=800, transient=600, samples=100)
    start = time.perf_counter()
    ens = Ensemble(N=cfg["N"], J=cfg["J"])
    net = ens.sample(seed=cfg["network_seed"])
    gains = np.linspace(*cfg["gains"][:2], cfg["gains"][2])
    options = {"steps": cfg["steps"], "transient": cfg["transient"], "samples": cfg["samples"]}
    ds = sweep(_default_point, {"g": gains, "gamma": list(cfg["gammas"])}, base=net, seed=cfg["seed"],
               store=store, client=client, n_workers=n_workers, progress=progress, study_kwargs=options,
               common_random_numbers=True, overwrite=overwrite)
    fbs = [first_bifurcation(net.replace(gamma=float(gamma)), g_max=float(gains[-1])) for gamma in cfg["gammas"]]
    extra = xr.Dataset({
        "g_critical": (("gamma",), [float(fb.g_critical) for fb in fbs],
                       {"long_name": "first bifurcation of the fixed point (E5)", "units": "1"}),
        "bifurcation_kind": (("gamma",), np.array([str(fb.kind.values) for fb in fbs]),
                             {"long_name": "type of the first bifurcation"}),
    }, coords={"gamma": ds.gamma}, attrs=ds.attrs)
    with StoreLock(Path(store).absolute()):
        extra.to_zarr(store, mode="a", consolidated=True)
    ds = ds.assign({k: extra[k] for k in extra.data_vars})
    ds.attrs["default_study"] = json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()})
    figures = _default_figures(ds, fbs, net, cfg, Path(store))
    ds.attrs["elapsed_seconds"] = round(time.perf_counter() - start, 1)
    return ds, figures


def _default_point(net, seed, **options):
    """Simulation (orbit, λ_max, regime) and the mean-field λ_MF, v* of the network's ensemble at (g, γ)."""
    ds = orbit_point(net, seed, **options)
    ens = Ensemble(**net.origin["ensemble"]).replace(g=net.g, gamma=net.gamma, sigma=net.sigma)
    st = meanfield.stationary(ens)
    ds["lambda_mf"] = ((), float(st.lambda_max), {"long_name": "mean-field Lyapunov exponent λ_MF (E11)",
                                                  "units": "1/step"})
    ds["v_mf"] = ((), float(st.v), {"long_name": "mean-field variance v* (E7-E9)", "units": "1"})
    return ds


def _default_figures(ds, fbs, net, cfg, store):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot

    folder = store.with_name(store.stem + "-figures")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for j, gamma in enumerate(ds.gamma.values):
        part = ds.isel(gamma=j)
        fig = plot.orbit_diagram(part, theory=part.lambda_mf, g_critical=float(part.g_critical))
        fig.suptitle(f"N = {cfg['N']}, γ = {gamma:g}: orbit diagram of m(t) and λ_max (λ_MF in red)")
        paths.append(folder / f"orbit_gamma{gamma:g}.png")
        fig.savefig(paths[-1], dpi=120)
        plt.close(fig)
        fig, ax = plt.subplots()
        plot.continuation(fbs[j], ax=ax)
        ax.set_title(f"leading eigenvalues of DF at the fixed point, γ = {gamma:g}")
        paths.append(folder / f"continuation_gamma{gamma:g}.png")
        fig.savefig(paths[-1], dpi=120)
        plt.close(fig)
        g_c = float(part.g_critical)
        chosen = [g for g in (1.05 * g_c, 1.25 * g_c, 2.0 * g_c) if np.isfinite(g)]
        if chosen:
            sp = spectra(net.replace(gamma=float(gamma)), chosen, steps=4096, transient=cfg["transient"],
                         seed=child(as_seed_sequence(cfg["seed"]), 1))
            fig, ax = plt.subplots()
            plot.power_spectra(sp, ax=ax)
            ax.set_title(f"power spectra of M(t), γ = {gamma:g}")
            paths.append(folder / f"spectra_gamma{gamma:g}.png")
            fig.savefig(paths[-1], dpi=120)
            plt.close(fig)
    return paths


def summary(ds):
    """One line per γ: first bifurcation, regimes along g, largest λ_max vs λ_MF."""
    lines = []
    for j, gamma in enumerate(ds.gamma.values):
        part = ds.isel(gamma=j)
        regimes = part.regime.values
        order = []
        for r in regimes:
            if not order or order[-1] != r:
                order.append(str(r))
        lines.append(f"gamma={gamma:g}: first bifurcation {part.bifurcation_kind.values.item()} at "
                     f"g={float(part.g_critical):.4f}; route {' -> '.join(order)}; at g={float(part.g[-1]):g} "
                     f"lambda_sim={float(part.lambda_max[-1]):.4f} lambda_MF={float(part.lambda_mf[-1]):.4f}")
    return "\n".join(lines)

