"""Stochastic double well on the digits: LNA against Euler–Maruyama, conditional generation, robustness.

    python analysis/generate_digits.py [--sigma 0.05] [--out results.json] [--figures DIR]
    python analysis/generate_digits.py --escape 0.02 0.03 0.05 0.08 [--max-steps 20000] [--out escape.json]
    python analysis/generate_digits.py --dataset mnist [--n-train N] [--pool 2] [--maxiter E] [--out F]

1. Fits the double-well digits preset twice: without dynamical noise ("deterministic") and with additive
   noise of amplitude ``--sigma`` during training and prediction ("trained with noise"); the third model is
   the second one run without noise ("trained with noise, run without").
2. LNA of the noisy fit (discrete and continuous) against a long Euler–Maruyama simulation per class
   (``compare_lna``): relative Frobenius errors, sampling errors, statuses.
3. Generator (MLP and ridge decoders) trained on (noisy final state, item) pairs of the training items;
   re-classification rate of 100 generated items per class by the generating classifier and by an
   independent SVC trained on the pixels; mean pairwise distance of generated items against real ones.
4. Robustness of the three models to random pixels, Gaussian noise, blur and contrast (5 repeats).

``--lna-only SIGMA`` only fits the noisy model and compares the LNA with the simulation for the same coupling
run with additive noise SIGMA (``with_noise``; at the training amplitude the trained double well's slowest mode
is nearly marginal and the chains leave the basins, see the notes in the results), writing lna_ellipses.png.

``--generation-only`` (digits) fits only the noisy model and runs the generation step. ``--figures DIR`` writes lna_ellipses.png, generated_grid.png, traversal.png and robustness.png. The generation
protocol is a reconstruction (docs/science/stochastic.md (L8)-(L10)). Timings depend on the machine's load.

Results (``results/generate_digits.json``, σ = 0.05, seed 0; 2 cores shared by many jobs, load 12-18):

* Test accuracy 0.975 for all three models (deterministic preset, trained with noise, run without).
* LNA of the noisy fit: the trained double well's slowest mode decays at 0.021 per unit time (spectral radius of
  I + Δt J 0.9979), so the widest LNA axis has variance 0.72 (standard deviation 0.85) at σ = 0.05, more than
  half the distance to the neighbouring attractors: status "broad" for every class. The simulated chains do leave
  the basins (mean shift 3 √tr C, relative covariance error about 21): at this amplitude the attractors are only
  metastable and the LNA does not describe the long-time law. The classifier works because its horizon (30 steps)
  is short against that escape. The covariance is the same for every class to the last bit (null test).
  ``--lna-only 0.01`` (the same coupling with σ = 0.01, ``results/generate_digits_lna.json``): the LNA is
  "ok" (widest standard deviation 0.17, largest per-node one 0.054) but the simulated covariance is hundreds of
  times larger. The chains are not broad, they escape: followed one by one, most stay at distance ~0.3 from the
  attractor (√tr C = 0.35) and then, in rare sudden events, run to distance 5-14 (nodes beyond the wells, up to
  |x| = 1.7). Within the burn-in plus 3000 steps 44-94 % of 16 chains per class had escaped (``escaped`` of
  ``compare_lna``, whose ``agreement`` says "left the basin"). Without noise, perturbations of 0.05 per node return
  to the attractor within 5000 steps. The trained attractors are therefore metastable: the LNA describes the
  chains before they escape, not a stationary law. On random couplings (the tests) the chains stay and the LNA
  matches the simulation within its sampling error for every model.
* Escape times (``--escape 0.02 0.03 0.05 0.08``, ``results/generate_digits_escape.json``; 16 chains per class,
  at most 20000 steps of 0.1): every chain of every class escapes; median first-escape step 913, 350, 104, 46
  (class medians 720-1162 at σ = 0.02, 38-63 at σ = 0.08). log τ is not linear in 1/σ² (residuals of the
  Kramers fit up to 0.49, curved), it follows τ ∝ σ^-2.17: a diffusive escape along the nearly marginal
  slowest mode (relaxation time 48 time units), not an activated one over a barrier. At the training
  amplitude the LNA is valid for about 100 steps (10 time units) from the attractor; the classifier's horizon
  is 30 steps.
* MNIST (``--dataset mnist --n-train 3000 --pool 2 --maxiter 8``, ``results/generate_mnist_small.json``; the
  full 60000-item run was not made: its fit takes hours on the shared cores): 14 x 14 images, mnist preset
  otherwise, test accuracy 0.862; judge: a logistic regression on the pixels (test accuracy 0.899). 100 items
  per class, latents from the final-state Gaussian (the default) / from the LNA Gaussian, the same decoder:
  ridge, judge 0.984 (every class 0.96-1.0) / 0.81 (class 1: 0.0, 7: 0.12), generating classifier 0.96
  (9: 0.85) / 0.96 (1: 0.6); MLP (256 units), judge 0.98 (0.96-1.0) / 0.90 (1: 0.0), classifier 0.967 / 0.949.
  Spread (mean distance between two items of a class) 2.66 (ridge) and 2.79 (MLP) / 0.76, real items 3.54.
  Why the LNA latents fail: the final states lie 3.4-4.7 from their attractor (attractors 5.7 apart), the
  attractor's support among the final states is 0 for every class (Mahalanobis distance 21-35), so the
  decoder extrapolates there (docs/science/stochastic.md (L11)). Looked at, final-state latents: 0, 3, 6, 7
  and 9 clean and varied (7 is a 7, slanted or upright, no longer a Z), 1 strokes of varied slant (two of ten
  with a faint crossing stroke), 2, 5 and 8 recognisable with some faint items, 4 the weakest (several faint
  or doubled strokes). LNA latents: every item of a class is nearly the same image; 1 is a blotch like an 8,
  7 a Z, 8 and 9 blotches. Traversals of the final-state Gaussian's first axes change the slant and
  thickness of 1, the width of the 7's bar and the 8's loops.
* Generation (100 items per class; ``--generation-only``, ``results/generate_digits_generation.json``; judges:
  a logistic regression and an SVC on the pixels). Latents from the final-state Gaussian (the default) / from
  the LNA Gaussian, the same decoder: MLP, generating classifier 0.996 / 0.971, logistic judge 0.997 (every
  class >= 0.97) / 0.965 (4: 0.75), SVC 0.995 (1: 0.96) / 0.905 (4: 0.49, 7: 0.84); ridge 0.993 / 0.93,
  logistic 0.999 / 0.928 (0: 0.76, 4: 0.68), SVC 0.994 / 0.793 (0: 0.45, 4: 0.29, 7: 0.58). The classes the
  LNA latents fail are those whose attractor lies outside every final state of the class (support 0 for 0,
  2, 3, 4, 6, 7; 1.0 for 5, 0.86 for 8). Spread 1.59 (MLP) and 1.48 (ridge) / 1.18 and 1.15, real items
  2.25. Looked at, final-state latents (MLP): 0, 2, 3, 5, 6 and 9 clear and varied, 1 upright strokes
  (some with a foot), 4 open and closed 4s, 7 recognisable but with heavy crossbars, 8 the blotchiest; LNA
  latents: noisy blotches, each row nearly one image.
* Robustness, accuracy lost on average over the corrupted levels (deterministic / trained with noise / trained with
  noise run without): random pixels 0.334 / 0.303 / 0.292, Gaussian noise 0.251 / 0.233 / 0.221, blur
  0.381 / 0.372 / 0.359, contrast 0.373 / 0.302 / 0.313. At 40 % random pixels 0.515 ± 0.033, 0.556 ± 0.038,
  0.572 ± 0.027; Gaussian σ = 0.5: 0.449 ± 0.026, 0.493 ± 0.009, 0.503 ± 0.018; contrast 0.8: 0.189,
  0.393 ± 0.012, 0.353. With blur the noise-trained model is below the deterministic one at 0.75 and 1 pixel
  (0.863 and 0.684 against 0.900 and 0.722) and above at 1.5-2 pixels.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.svm import SVC

from snt import classify
from snt.classify.presets import DIGITS


def pairwise(items):
    d = np.sqrt(((items[:, None] - items[None]) ** 2).sum(-1))
    return float(d[np.triu_indices(len(items), 1)].mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sigma", type=float, default=0.05)
    ap.add_argument("--out", default=None)
    ap.add_argument("--figures", default=None)
    ap.add_argument("--steps", type=int, default=20000, help="kept Euler–Maruyama steps per chain (compare_lna)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--lna-only", type=float, default=None, metavar="SIGMA")
    ap.add_argument("--escape", type=float, nargs="+", default=None, metavar="SIGMA",
                    help="only: escape times of the noisy fit's chains at these additive amplitudes")
    ap.add_argument("--max-steps", type=int, default=20000, help="steps per chain of --escape")
    ap.add_argument("--dataset", default="digits", choices=("digits", "mnist"),
                    help="mnist: generation only, on the shared IDX files ($SNT_DATA)")
    ap.add_argument("--n-train", type=int, default=None, help="mnist: first n training items (default all)")
    ap.add_argument("--pool", type=int, default=1, help="mnist: average-pool the images by this factor")
    ap.add_argument("--maxiter", type=int, default=None, help="mnist: epochs (default: the mnist preset's)")
    ap.add_argument("--generation-only", action="store_true", help="digits: skip the LNA check and robustness")
    a = ap.parse_args()
    if a.dataset == "mnist":
        mnist(a)
        return
    X, y, Xt, yt = classify.load_dataset("digits")
    if a.lna_only is not None:
        lna_only(a, X, y)
        return
    if a.escape is not None:
        escape(a, X, y)
        return
    res = {"sigma": a.sigma}
    t = time.perf_counter()
    noisy = classify.AttractorClassifier(model="sa-node", seed=0, noise="additive", sigma=a.sigma,
                                         **DIGITS["sa-node"]).fit(X, y)
    models = {"trained with noise": noisy}
    if not a.generation_only:
        det = classify.AttractorClassifier(model="sa-node", seed=0, **DIGITS["sa-node"]).fit(X, y)
        models = {"deterministic": det, "trained with noise": noisy,
                  "trained with noise, run without": noisy.deterministic()}
    res["fit_time_s"] = time.perf_counter() - t
    res["test_accuracy"] = {k: float(m.score(Xt, yt)) for k, m in models.items()}
    print(json.dumps(res), flush=True)

    if not a.generation_only:
        res["lna"], cmp = compare(noisy, a.steps)
        print("lna", json.dumps(res["lna"]), flush=True)

    gens = generation(res, noisy, X, y, Xt, yt, n_noise=4, svc=True)
    if a.generation_only:
        dump(res, a.out)
        if a.figures:
            grids(Path(a.figures), gens, "digits")
        return
    t = time.perf_counter()
    rob = classify.compare_robustness(models, Xt, yt, repeats=a.repeats, seed=1)
    cs = rob.corruption.values
    res["robustness"] = {"levels": {c: rob.level_value.sel(corruption=c).values.tolist() for c in cs},
                         "mean": {m: {c: rob.accuracy_mean.sel(model=m, corruption=c).values.tolist()
                                      for c in rob.corruption.values} for m in rob.model.values},
                         "std": {m: {c: rob.accuracy_std.sel(model=m, corruption=c).values.tolist()
                                     for c in rob.corruption.values} for m in rob.model.values},
                         "drop": {m: {c: float(rob.accuracy_drop.sel(model=m, corruption=c)) for c in cs}
                                  for m in rob.model.values},
                         "time_s": time.perf_counter() - t}
    print("robustness", json.dumps(res["robustness"]["drop"]), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    if a.figures:
        figures(Path(a.figures), cmp, gens["mlp", "endpoint"], rob)


def compare(clf, steps):
    lna = classify.lna(clf)
    t = time.perf_counter()
    cmp = classify.compare_lna(clf, steps=steps, chains=16, groups=8, seed=1)
    out = {"status": [str(s) for s in lna.status.values],
           "top_variance": lna.cov_eigenvalue.values[:, 0].tolist(),
           "spectral_radius": lna.spectral_radius.values.tolist(),
           "rel_error": cmp.rel_error.values.tolist(),
           "rel_error_continuous": cmp.rel_error_continuous.values.tolist(),
           "rel_sampling_error": cmp.rel_sampling_error.values.tolist(),
           "mean_shift": cmp.mean_shift.values.tolist(),
           "max_class_difference": float(np.abs(lna.covariance - lna.covariance[0]).max()
                                         / np.abs(lna.covariance[0]).max()),
           "time_s": time.perf_counter() - t}
    return out, cmp


def lna_only(a, X, y):
    noisy = classify.AttractorClassifier(model="sa-node", seed=0, noise="additive", sigma=a.sigma,
                                         **DIGITS["sa-node"]).fit(X, y)
    res, cmp = compare(classify.with_noise(noisy, "additive", a.lna_only), a.steps)
    res = {"sigma_train": a.sigma, "sigma_run": a.lna_only, "lna": res}
    print("lna", json.dumps(res), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    if a.figures:
        import matplotlib
        matplotlib.use("Agg")
        from snt import plot
        Path(a.figures).mkdir(parents=True, exist_ok=True)
        plot.lna_ellipses(cmp, classes=range(5)).figure.savefig(Path(a.figures) / "lna_ellipses.png", dpi=110,
                                                                bbox_inches="tight")


def escape(a, X, y):
    """First-escape steps of chains started at the attractors of the noisy fit, per additive amplitude; a
    noise-activated (Kramers) escape has log(median escape time) linear in 1/sigma^2."""
    noisy = classify.AttractorClassifier(model="sa-node", seed=0, noise="additive", sigma=a.sigma,
                                         **DIGITS["sa-node"]).fit(X, y)
    t = time.perf_counter()
    ds = classify.escape_times(noisy, a.escape, max_steps=a.max_steps, chains=16, seed=1)
    res = {"sigma_train": a.sigma, "max_steps": a.max_steps, "dt": ds.attrs["dt"],
           "sigma": ds.sigma.values.tolist(), "escaped": ds.escaped.mean("class").values.tolist(),
           "escaped_per_class": ds.escaped.values.tolist(),
           "median_escape_step_per_class": ds.median_escape_step.values.tolist(),
           "median_escape_step": [float(np.nanmedian(v)) if np.isfinite(v).any() else None
                                  for v in ds.escape_step.values.reshape(len(ds.sigma), -1)],
           "time_s": time.perf_counter() - t}
    ok = [i for i, m in enumerate(res["median_escape_step"]) if m is not None and res["escaped"][i] > 0.5]
    if len(ok) >= 2:
        inv = 1.0 / np.asarray(res["sigma"])[ok] ** 2
        slope, icpt = np.polyfit(inv, np.log(np.asarray(res["median_escape_step"])[ok]), 1)
        res["kramers_fit"] = {"slope_log_steps_per_inv_sigma2": float(slope), "intercept": float(icpt),
                              "sigmas_used": np.asarray(res["sigma"])[ok].tolist()}
    print("escape", json.dumps(res), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


def mnist(a):
    """Generation on MNIST: the double well's mnist preset with additive noise, a ridge and an MLP decoder,
    re-classification by the generating classifier and by a logistic regression on the pixels."""
    from snt.classify.data import pool_images
    from snt.classify.presets import MNIST

    X, y, Xt, yt = classify.load_dataset("mnist")
    if a.n_train:
        X, y = X[: a.n_train], y[: a.n_train]
    if a.pool > 1:
        X, Xt = pool_images(X, a.pool), pool_images(Xt, a.pool)
    kw = {**MNIST["sa-node"], **({"maxiter": a.maxiter} if a.maxiter else {})}
    t = time.perf_counter()
    clf = classify.AttractorClassifier(model="sa-node", seed=0, noise="additive", sigma=a.sigma, **kw).fit(X, y)
    res = {"dataset": "mnist", "n_train": len(X), "pool": a.pool, "sigma": a.sigma, "settings": kw,
           "fit_time_s": time.perf_counter() - t, "test_accuracy": float(clf.score(Xt, yt))}
    print(json.dumps(res), flush=True)
    gens = generation(res, clf, X, y, Xt, yt, n_noise=2, svc=False)
    dump(res, a.out)
    if a.figures:
        grids(Path(a.figures), gens, "mnist")


def dump(res, out):
    if out:
        with open(out, "w") as f:
            json.dump(res, f, indent=1)


def generation(res, clf, X, y, Xt, yt, n_noise, svc):
    """Ridge and MLP decoders; for each, latents from the final-state Gaussian and from the LNA (the same
    fitted decoder); rates of the generating classifier, of a logistic regression on the pixels (and of an
    SVC), per class; spread of the generated items against the real ones; CPU and wall time."""
    import copy

    from sklearn.linear_model import LogisticRegression
    judges = {"logistic": LogisticRegression(max_iter=500).fit(X, y)}
    if svc:
        judges["svc"] = SVC().fit(X, y)
    res["judge_test_accuracy"] = {k: float(j.score(Xt, yt)) for k, j in judges.items()}
    res["real_diversity"] = float(np.mean([pairwise(X[y == k][:16]) for k in range(10)]))
    gens = {}
    for dec in ("ridge", "mlp"):
        t, c = time.perf_counter(), time.process_time()
        g = classify.Generator(clf, decoder=dec, alpha=1.0, seed=0, n_noise=n_noise).fit(X, y)
        out = {"train_r2": g.train_r2_, "kept_fraction": g.kept_fraction_,
               "fit_time_s": time.perf_counter() - t, "fit_cpu_s": time.process_time() - c,
               "attractor_support": g.endpoint_.attractor_support.values.tolist(),
               "attractor_mahalanobis": g.endpoint_.attractor_mahalanobis.values.tolist(),
               "attractor_offset": g.endpoint_.attractor_offset.values.tolist(),
               "lna_outside": g.lna_outside_}
        for latent in ("endpoint", "lna"):
            gl = copy.copy(g).set_params(latent=latent)
            gens[dec, latent] = gl
            r = gl.reclassify(n=100, seed=2)
            o = {"rate": r.attrs["rate"], "rate_per_class": r.rate.values.tolist(),
                 "diversity": float(np.mean([pairwise(gl.sample(16, k, seed=k).generated.values)
                                             for k in range(10)]))}
            for name, j in judges.items():
                rj = gl.reclassify(n=100, seed=2, classifier=j)
                o["rate_" + name], o[f"rate_{name}_per_class"] = rj.attrs["rate"], rj.rate.values.tolist()
            out[latent] = o
        res["generator_" + dec] = out
        print("generator", dec, json.dumps(out), flush=True)
    return gens


def grids(out, gens, name):
    import matplotlib
    matplotlib.use("Agg")
    from snt import plot
    out.mkdir(parents=True, exist_ok=True)
    for (dec, latent), g in gens.items():
        plot.generated_grid([g.sample(10, k, seed=k) for k in range(10)], n=10).savefig(
            out / f"{name}_generated_grid_{dec}_{latent}.png", dpi=90)


def figures(out, cmp, gen, rob):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from snt import plot
    out.mkdir(parents=True, exist_ok=True)
    ax = plot.lna_ellipses(cmp, classes=range(5))
    ax.figure.savefig(out / "lna_ellipses.png", dpi=110, bbox_inches="tight")
    plot.generated_grid([gen.sample(10, k, seed=k) for k in range(10)], n=10).savefig(out / "generated_grid.png",
                                                                                      dpi=90)
    plot.traversal_strip([gen.traverse(k, axis=ax_, steps=9) for k in (0, 3, 7) for ax_ in (0, 1)]).savefig(
        out / "traversal.png", dpi=90)
    plot.robustness_curves(rob).savefig(out / "robustness.png", dpi=110)
    plt.close("all")
    print("wrote", out)


if __name__ == "__main__":
    main()
