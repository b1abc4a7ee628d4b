"""Generation from the stochastic classifier: a double well trained with additive noise, its attractors made
Gaussian by the linear noise approximation, decoded into digits of a chosen class (``classify.Generator``); a grid
of generated digits per class and how often they are classified back into their class."""

import numpy as np

from . import _style as st

NAME = "generation"
TITLE = "Generated digits of the stochastic double-well classifier"


def compute(quick=True, n=8):
    """``(items (class, n, 8, 8), rate per class, rate overall)``."""
    from ..classify import AttractorClassifier, Generator, load_dataset
    from ..classify.presets import DIGITS
    X, y, _, _ = load_dataset("digits")
    clf = AttractorClassifier(model="sa-node", seed=0, noise="additive", sigma=0.05,
                              **{**DIGITS["sa-node"], "maxiter": 8 if quick else 100}).fit(X, y)
    gen = Generator(clf, decoder="ridge" if quick else "mlp", seed=0, alpha=1.0).fit(X, y)
    items = np.stack([gen.sample(n, k, seed=k).generated.values.reshape(n, 8, 8) for k in range(10)])
    r = gen.reclassify(n=50 if quick else 100, seed=2)
    return items, r.rate.values, float(r.attrs["rate"]), "ridge" if quick else "MLP"


def mosaic(items, gap=1):
    """Tile ``(rows, cols, h, w)`` images into one array with NaN gaps."""
    R, C, h, w = items.shape
    out = np.full((R * (h + gap) - gap, C * (w + gap) - gap), np.nan)
    for r in range(R):
        for c in range(C):
            out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = items[r, c]
    return out


def draw(items, rate, overall, decoder):
    fig, axs = st.figure(1, 2, height=3.6, gridspec_kw={"width_ratios": [1.2, 1]})
    a, b = axs[0]
    R, C, h, _ = items.shape
    im = a.imshow(mosaic(np.clip(items, 0, 1)), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    a.set_yticks([(h + 1) * k + h / 2 - 0.5 for k in range(R)], [str(k) for k in range(R)])
    a.set_xticks([])
    a.set_ylabel("class")
    a.set_xlabel(f"{C} generated samples per class ({decoder} decoder)")
    fig.colorbar(im, ax=a, shrink=0.7, label="pixel intensity [0, 1]")
    st.panel_label(a, "a")
    k = np.arange(len(rate))
    b.bar(k, rate, color=st.color(0), edgecolor="k", lw=0.5, label="generated items classified back")
    b.axhline(overall, color=st.color(1), ls="--", lw=1.0, label=f"all classes, {overall:.2f}")
    b.set_xticks(k)
    b.set_xlabel("class")
    b.set_ylabel("fraction classified back into the class")
    b.set_ylim(0, 1.15)
    b.legend(loc="upper left", ncol=1)
    st.panel_label(b, "b")
    return fig
