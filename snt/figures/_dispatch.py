"""``snt plot FILE``: draw a stored result, recognised by the variables it holds (the kind of analysis)."""

from pathlib import Path

from . import _style as st


def _kinds():
    """``[(name, test(ds), draw(ds) -> Figure)]`` in the order they are tried."""
    import matplotlib.pyplot as plt

    from .. import plot
    from . import laws, lyapunov, route

    def one(fn, **kw):
        def draw(ds):
            fig, ax = plt.subplots(figsize=(st.COLUMN * 1.5, 2.8))
            fn(ds, ax=ax, **kw)
            return fig
        return draw

    def has(*names, dims=()):
        return lambda ds: all(n in ds.variables for n in names) and all(d in ds.dims for d in dims)

    return [
        ("default study / gain sweep over g and gamma", has("M_orbit", "lambda_max", "lambda_mf", dims=("g", "gamma")),
         route.draw),
        ("gain sweep", has("M_orbit", "lambda_max", dims=("g",)), lambda ds: plot.orbit_diagram(ds)),
        ("coupling spectrum", has("eigenvalue", "boundary"),
         lambda ds: _axes_fig(lambda ax: laws.draw_one(ax, ds))),
        ("Lyapunov spectrum", has("exponents", "kaplan_yorke_dimension"), lambda ds: lyapunov.draw({_gain(ds): ds})),
        ("largest Lyapunov exponent", has("lambda_max_t"), one(plot.max_lyapunov)),
        ("response kernel", has("R_mean"), one(plot.response_kernel)),
        ("susceptibility", has("chi_mean", dims=("omega",)), lambda ds: plot.susceptibility(ds)[0].figure),
        ("power spectrum", has("power", dims=("omega",)), one(_power)),
        ("mean field vs simulation", has("covariance", dims=("lag",)), one(plot.meanfield_correlation)),
        ("first bifurcation", has("modulus", "g_critical"), one(plot.continuation)),
        ("Hebbian plasticity", has("lambda_max", "spectral_radius", "rho_DF", dims=("epoch",)),
         lambda ds: __import__("snt.figures.plasticity", fromlist=["draw"]).draw(ds)),
        ("robustness", has("accuracy_mean", dims=("corruption",)), plot.robustness_curves),
        ("simulation", has("M", dims=("time", "trial")), one(plot.activity)),
        ("parameter sweep", has("done"), _sweep),
    ]


def _sweep(ds):
    """A sweep store (``snt sweep CONFIG``): every numeric variable over the grid, one panel each, against the
    first grid key, one series per value of the second; ``<name>_stderr`` gives the error bars."""
    import numpy as np
    grid = [d for d in ds.done.dims]
    names = [n for n, v in ds.data_vars.items() if n != "done" and not n.endswith("_stderr")
             and tuple(v.dims) == tuple(grid) and np.issubdtype(v.dtype, np.number) and v.dtype != bool][:4]
    if not names or len(grid) > 2:
        raise ValueError(f"the sweep over {grid} has no numeric variable over its grid to draw")
    fig, axs = st.figure(1, len(names), width=min(st.WIDE, 3.0 * len(names)), height=2.6)
    x = grid[0]
    for ax, name in zip(axs[0], names):
        series = ds[name].transpose(*grid)
        err = ds.get(f"{name}_stderr")
        second = [None] if len(grid) == 1 else list(ds[grid[1]].values)
        for k, value in enumerate(second):
            y = series if value is None else series.sel({grid[1]: value})
            e = None if err is None else (err if value is None else err.sel({grid[1]: value}))
            label = name if value is None else f"{grid[1]} = {value:g}"
            st.points(ax, ds[x].values, y.values, None if e is None else e.values, k=k, ls="-", lw=0.8,
                      label=label)
        ax.set_xlabel(_label(ds[x]))
        ax.set_ylabel(_label(ds[name]))
        if len(second) > 1:
            ax.legend()
    return fig


def _label(da):
    from ..plot._common import label
    return label(da)


def _axes_fig(draw):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(st.COLUMN * 1.2, 3.2))
    draw(ax)
    return fig


def _gain(ds):
    import json
    try:
        return json.loads(ds.attrs["parameters"])["network"]["g"]
    except (KeyError, ValueError, TypeError):
        return float("nan")


def _power(ds, ax):
    st.line(ax, ds.omega, ds.power, k=0, label=ds.attrs.get("title", "power"))
    ax.set_yscale("log")
    ax.set_xlabel(r"frequency $\omega$ [rad/step]")
    ax.set_ylabel(f"power [{ds.power.attrs.get('units', '1')}]")


def kind_of(ds):
    """The name of the stored result's kind, or None."""
    for name, test, _ in _kinds():
        if test(ds):
            return name
    return None


def plot_file(path, out=None):
    """Draw the result stored in ``path`` (netCDF or zarr, as written by snt) into ``out`` (default: beside
    it, ``<stem>.png`` and ``.pdf``); returns the paths. Raises ValueError naming the known kinds otherwise."""
    from ..io import open as open_result
    path = Path(path)
    ds = open_result(path)
    kinds = _kinds()
    for name, test, draw in kinds:
        if test(ds):
            with st.style():
                fig = draw(ds.load())
                return st.save(fig, Path(out) if out is not None else path.parent, path.stem.removesuffix(".zarr"))
    known = "; ".join(k[0] for k in kinds)
    raise ValueError(f"FILE {str(path)!r} holds no result of a known kind (variables: "
                     f"{', '.join(list(ds.data_vars)[:8])}); known kinds: {known}")
