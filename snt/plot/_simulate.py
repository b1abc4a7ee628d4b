"""Figures of simulate() results."""

from ._common import axes, label

__all__ = ["activity"]


def activity(ds, ax=None, trials=None):
    """M(t) (population activity) of a ``simulate`` Dataset, one line per trial (all, or the given trial indices)."""
    ax = axes(ax)
    m = ds["M"] if trials is None else ds["M"].isel(trial=list(trials))
    for trial in m.trial.values:
        ax.plot(m.time, m.sel(trial=trial), lw=0.8, label=f"trial {trial}")
    ax.set_xlabel(label(ds.time))
    ax.set_ylabel(label(ds["M"]))
    if m.sizes["trial"] > 1:
        ax.legend(fontsize="small", ncol=min(4, m.sizes["trial"]))
    return ax
