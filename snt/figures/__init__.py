"""The figure families of the project, in the house style (:mod:`snt.figures._style`).

Every family is a module with ``NAME`` (the file name), ``compute(quick) -> tuple`` (its Datasets, computed or read
through snt's API) and ``draw(*computed) -> Figure``, or its own ``make(out, quick) -> [paths]``;
``analysis/fig_<family>.py`` runs one family, ``snt figures`` all of them, and ``snt plot FILE`` draws a stored
result (:func:`snt.figures.plot_file`).
"""

import importlib
import time
from pathlib import Path

__all__ = ["FAMILIES", "DEFAULT_OUT", "make", "make_all", "plot_file"]

#: Family name -> what its figure shows.
FAMILIES = {
    "route": "route to chaos, λ(g) simulation vs mean field, γ = 0 and 0.5",
    "laws": "circular and elliptic laws of four ensembles",
    "meanfield": "mean field vs simulation at N = 500/1000/2000, noise-induced suppression",
    "response": "linear response: three estimators and mean field, |χ(ω)| and the power spectrum",
    "lyapunov": "Lyapunov spectra and the Kaplan–Yorke dimension",
    "plasticity": "Hebbian plasticity taming chaos; BCM receptive fields",
    "classifier": "planted-attractor classifiers: accuracy vs the papers, trajectories, robustness",
    "generation": "generated digits from the stochastic classifier",
    "spectral": "spectral relevance and pruning",
}
#: Where ``snt figures`` writes by default (data/ is the documented home of results, git-ignored).
DEFAULT_OUT = Path("data/results/figures")


def module(family):
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    return importlib.import_module(f"{__name__}.{family}")


def make(family, out=DEFAULT_OUT, quick=True):
    """Write one family's figures into ``out`` (PNG and PDF); returns the paths."""
    from . import _style
    mod = module(family)
    if hasattr(mod, "make"):
        return mod.make(Path(out), quick=quick)
    computed = mod.compute(quick)
    with _style.style():
        return _style.save(mod.draw(*computed), Path(out), mod.NAME)


def make_all(out=DEFAULT_OUT, quick=True, families=None, progress=True):
    """Write every family (or the given ones); returns ``{family: (paths, seconds)}``."""
    done = {}
    for family in families or FAMILIES:
        start = time.perf_counter()
        paths = make(family, out, quick)
        done[family] = (paths, time.perf_counter() - start)
        if progress:
            print(f"  {family}: {len(paths)} files, {done[family][1]:.0f} s", flush=True)
    return done


def plot_file(path, out=None):
    """Draw a stored result of a known kind (see :mod:`snt.figures._dispatch`); returns the paths written."""
    from ._dispatch import plot_file as _plot_file
    return _plot_file(path, out)
