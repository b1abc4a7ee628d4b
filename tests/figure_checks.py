"""What every published figure must satisfy (tests/test_figures.py): labelled axes, a legend where more than one
thing is drawn, nothing outside the figure (its tight bounding box), integer ticks on axes that count."""

import numpy as np
from matplotlib.container import BarContainer


def _drawn(ax):
    """The things drawn on an Axes: containers (error bars, bars) and the lines/collections outside them;
    unlabelled reference lines (gid "reference") do not count."""
    inside = set()
    for c in ax.containers:
        for child in c.get_children():
            inside.add(child)
    items = [a for a in list(ax.lines) + list(ax.collections) if a not in inside and a.get_gid() != "reference"]
    return items + list(ax.containers)


def _label_of(item):
    return item.get_label() if hasattr(item, "get_label") else ""


def _data(ax, axis):
    vals = []
    for ln in ax.lines:
        if ln.get_gid() != "reference":
            vals.append(np.asarray(ln.get_xdata() if axis == "x" else ln.get_ydata(), dtype=float).ravel())
    for c in ax.containers:
        if isinstance(c, BarContainer):
            vals.append(np.array([p.get_x() + p.get_width() / 2 if axis == "x" else p.get_height()
                                  for p in c.patches]))
    vals = [v for v in vals if v.size]
    return np.concatenate(vals) if vals else np.array([])


def problems(fig):
    """A list of what is wrong with ``fig`` (empty when it passes)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    tight = fig.get_tightbbox(renderer)
    w, h = fig.get_size_inches()
    eps = 0.02
    if tight.x0 < -eps or tight.y0 < -eps or tight.x1 > w + eps or tight.y1 > h + eps:
        out.append(f"text or artists outside the figure: tight bbox {tight.bounds} in a {w:.2f}x{h:.2f} in figure")
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        name = f"axes {i} ({ax.get_title(loc='left') or ax.get_title()})"
        for axis, getter, label in (("x", ax.get_xticklabels, ax.get_xlabel()),
                                    ("y", ax.get_yticklabels, ax.get_ylabel())):
            if any(t.get_text() for t in getter()) and not label.strip():
                out.append(f"{name}: {axis} axis has tick labels but no label")
        items = _drawn(ax)
        if len(items) > 1:
            has_legend = ax.get_legend() is not None or bool(fig.legends)
            unlabelled = [type(a).__name__ for a in items if _label_of(a).startswith("_") or not _label_of(a)]
            if not has_legend:
                out.append(f"{name}: {len(items)} things drawn and no legend")
            elif unlabelled:
                out.append(f"{name}: {len(unlabelled)} of {len(items)} things drawn have no legend entry "
                           f"({', '.join(unlabelled)})")
        for axis in ("x", "y"):
            scale = ax.get_xscale() if axis == "x" else ax.get_yscale()
            data = _data(ax, axis)
            data = data[np.isfinite(data)]
            if scale != "linear" or np.unique(data).size < 2 or not np.allclose(data, np.round(data)):
                continue
            lo, hi = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
            ticks = np.asarray(ax.get_xticks() if axis == "x" else ax.get_yticks(), dtype=float)
            ticks = ticks[(ticks >= lo - 1e-9) & (ticks <= hi + 1e-9)]
            if not np.allclose(ticks, np.round(ticks)):
                out.append(f"{name}: integer data on the {axis} axis but fractional ticks {ticks.tolist()}")
    return out
