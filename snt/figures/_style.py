"""The house style of the figure families: palette, line and marker cycles, sizes, saving.

Colours are the Okabe–Ito palette (distinguishable with every common colour-vision deficiency); every series
also differs by its marker (simulation points) or its line style (theory lines), so a figure printed in
grayscale stays readable. Theory is drawn as lines, simulation as points with error bars. Figures use
matplotlib's constrained layout, so that no label is clipped, and are saved as PNG (200 dpi) and PDF.
"""

import contextlib

import numpy as np

#: Okabe–Ito colours: blue, vermillion, bluish green, reddish purple, orange, sky blue, black.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
#: Colour of reference lines (zero, unit circle).
REFERENCE = "0.55"
#: Width of a one-column figure and of a two-column (full-width) figure, in inches.
COLUMN, WIDE = 3.4, 7.0
DPI = 200
FORMATS = ("png", "pdf")


def rc():
    """The matplotlib settings of the style (a dict for ``matplotlib.rc_context``)."""
    from cycler import cycler
    return {
        "axes.prop_cycle": cycler(color=PALETTE) + cycler(linestyle=LINESTYLES),
        "font.size": 8, "axes.labelsize": 8, "axes.titlesize": 8, "legend.fontsize": 7,
        "xtick.labelsize": 7, "ytick.labelsize": 7, "legend.frameon": False, "lines.linewidth": 1.2,
        "lines.markersize": 3.5, "errorbar.capsize": 1.5, "axes.spines.top": False, "axes.spines.right": False,
        "figure.constrained_layout.use": True, "savefig.dpi": DPI, "image.cmap": "viridis",
        "pdf.fonttype": 42, "axes.formatter.limits": (-3, 4), "axes.formatter.use_mathtext": True,
    }


@contextlib.contextmanager
def style():
    """Context in which figures are drawn in the house style (non-interactive backend)."""
    import matplotlib
    matplotlib.use("Agg")
    with matplotlib.rc_context(rc()):
        yield


def figure(nrows=1, ncols=1, *, width=WIDE, height=2.6, **kw):
    """A new figure and its Axes array (``squeeze=False``)."""
    import matplotlib.pyplot as plt
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kw)


def color(k):
    return PALETTE[k % len(PALETTE)]


def points(ax, x, y, err=None, k=0, label=None, **kw):
    """Simulation: points (marker and colour of series ``k``) with error bars."""
    kw = {"fmt": MARKERS[k % len(MARKERS)], "color": color(k), "ms": 3.5, "elinewidth": 0.8, "label": label,
          **kw}
    return ax.errorbar(x, y, yerr=None if err is None else np.abs(np.asarray(err, dtype=float)), **kw)


def line(ax, x, y, k=0, label=None, **kw):
    """Theory: a line (colour and line style of series ``k``)."""
    kw = {"color": color(k), "ls": LINESTYLES[k % len(LINESTYLES)], "label": label, **kw}
    return ax.plot(x, y, **kw)[0]


def reference(ax, value, axis="y", label=None, **kw):
    """A reference line (zero, threshold); unlabelled reference lines are exempt from the legend rule."""
    kw = {"color": REFERENCE, "lw": 0.7, "ls": "-", "zorder": 0, **kw}
    draw = ax.axhline if axis == "y" else ax.axvline
    artist = draw(value, label=label, **kw)
    if label is None:
        artist.set_gid("reference")
    return artist


def integer_axis(ax, axis="x"):
    """Integer tick positions on an axis that counts (index, epoch, N, units kept)."""
    from matplotlib.ticker import MaxNLocator
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def panel_label(ax, text):
    """A panel letter ``(a)`` at the top left, outside the data area."""
    ax.set_title(text, loc="left", fontweight="bold")


def save(fig, folder, name, formats=FORMATS):
    """Save ``fig`` as ``folder/name.<format>`` for every format; returns the paths (PNG first)."""
    import matplotlib.pyplot as plt
    from pathlib import Path
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        paths.append(folder / f"{name}.{fmt}")
        fig.savefig(paths[-1], dpi=DPI, metadata={"Creator": "snt"} if fmt == "png" else None)
    plt.close(fig)
    return paths
