"""Generation from the stochastic classifier: a double well trained with additive noise, latent states of a chosen
class drawn from the Gaussian of the final states its training items reach and decoded into digits
(``classify.Generator``); a grid of generated digits per class and how often an independent judge (a logistic
regression on the pixels) accepts them as their class, against latents drawn from the linear-noise Gaussians of the
attractors."""

import numpy as np

from . import _style as st

NAME = "generation"
TITLE = "Generated digits of the stochastic double-well classifier"


def compute(quick=True, n=8):
    """``(items (class, n, 8, 8), {latent: judge's acceptance per class}, {latent: generating classifier's
    overall rate and spread}, decoder)``; the spread is the mean distance between two generated items of a
    class over that between two real ones."""
    import copy

    from sklearn.linear_model import LogisticRegression

    from ..classify import AttractorClassifier, Generator, load_dataset
    from ..classify.presets import DIGITS
    X, y, _, _ = load_dataset("digits")
    clf = AttractorClassifier(model="sa-node", seed=0, noise="additive", sigma=0.05,
                              **{**DIGITS["sa-node"], "maxiter": 8 if quick else 100}).fit(X, y)
    gen = Generator(clf, decoder="ridge" if quick else "mlp", seed=0, alpha=1.0).fit(X, y)
    items = np.stack([gen.sample(n, k, seed=k).generated.values.reshape(n, 8, 8) for k in range(10)])
    judge = LogisticRegression(max_iter=500).fit(X, y)
    m = 50 if quick else 100
    rates, own = {}, {}
    real = np.mean([_spread(X[y == k][:m]) for k in range(10)])
    for latent in ("endpoint", "lna"):
        g = copy.copy(gen).set_params(latent=latent)
        rates[latent] = g.reclassify(n=m, seed=2, classifier=judge).rate.values
        own[latent] = (float(g.reclassify(n=m, seed=2).attrs["rate"]),
                       float(np.mean([_spread(g.sample(m, k, seed=k).generated.values) for k in range(10)]) / real))
    return items, rates, own, "ridge" if quick else "MLP"


def _spread(items):
    """Mean Euclidean distance between two items of a set."""
    d = np.sqrt(((items[:, None] - items[None]) ** 2).sum(-1))
    return float(d[np.triu_indices(len(items), 1)].mean())


def mosaic(items, gap=1):
    """Tile ``(rows, cols, h, w)`` images into one array with NaN gaps."""
    R, C, h, w = items.shape
    out = np.full((R * (h + gap) - gap, C * (w + gap) - gap), np.nan)
    for r in range(R):
        for c in range(C):
            out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = items[r, c]
    return out


def draw(items, rates, own, decoder):
    fig, axs = st.figure(1, 2, height=3.9, gridspec_kw={"width_ratios": [1.2, 1]})
    a, b = axs[0]
    R, C, h, _ = items.shape
    im = a.imshow(mosaic(np.clip(items, 0, 1)), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    a.set_yticks([(h + 1) * k + h / 2 - 0.5 for k in range(R)], [str(k) for k in range(R)])
    a.set_xticks([])
    a.set_ylabel("class")
    a.set_xlabel(f"{C} samples per class ({decoder} decoder, final-state latents)")
    fig.colorbar(im, ax=a, shrink=0.7, label="pixel intensity [0, 1]")
    st.panel_label(a, "a")
    names = {"endpoint": "final-state Gaussian", "lna": "LNA Gaussian of the attractor"}
    for i, (latent, rate) in enumerate(rates.items()):
        k = np.arange(len(rate))
        b.bar(k + (i - 0.5) * 0.4, rate, width=0.4, color=st.color(i), edgecolor="k", lw=0.5,
              hatch=None if i == 0 else "//",
              label=f"{names[latent]}: {np.mean(rate):.2f} (classifier {own[latent][0]:.2f};\n"
                    f"spread {own[latent][1]:.2f} of the real items)")
    b.set_xticks(k)
    b.set_xlabel("class")
    b.set_ylabel("fraction accepted by an independent judge")
    b.set_ylim(0, 1.6)
    b.legend(loc="upper left", ncol=1, title="latents drawn from", fontsize=7, title_fontsize=7)
    st.panel_label(b, "b")
    return fig
