"""Helpers shared by the figure modules."""

__all__ = []


def axes(ax=None, **subplot_kw):
    """The given Axes, or a new figure's Axes (matplotlib imported lazily)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(**subplot_kw)
    return ax


def label(da):
    """Axis label from a DataArray's long_name and units."""
    name = da.attrs.get("long_name", da.name)
    units = da.attrs.get("units")
    return f"{name} [{units}]" if units and units != "1" else str(name)
