"""BCM and Krotov–Hopfield on MNIST: selectivity, receptive fields, θ convergence, the clean feature classifier
and the label-input protocol with and without the label leak; results in analysis/results/plasticity_mnist.json
and the receptive fields in analysis/results/plasticity_bcm_fields.png.

Run ``SNT_DATA=<dir> python3 analysis/plasticity_mnist.py [--quick]`` (--quick: 10 000 training images and the
small models only, a smoke run).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from snt import plasticity
from snt.classify import load_dataset

OUT = Path(__file__).resolve().parent / "results"


def _selectivity_summary(model, X, y):
    sel = plasticity.selectivity(model, X, labels=y)
    a = sel.alpha.values
    return {"alpha_median": int(np.median(a)), "alpha_q25": int(np.percentile(a, 25)),
            "alpha_q75": int(np.percentile(a, 75)), "alpha_max": int(a.max()), "n_samples": int(sel.n_samples),
            "S": int(sel.S), "beta": float(sel.beta), "capacity": int(sel.capacity),
            "classes_covered": int(sel.classes_covered), "dead_neurons": int((a == 0).sum()),
            "purity_median": float(np.nanmedian(sel.purity.values))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    Xtr, ytr, Xte, yte = load_dataset("mnist")
    if args.quick:
        Xtr, ytr = Xtr[:10000], ytr[:10000]
    results = {"data": f"MNIST train {Xtr.shape[0]}, test {Xte.shape[0]}"}

    # --- BCM, the settings (100 neurons) -------------------------------------------------------------
    bcm = plasticity.BCM(n_neurons=100, activation="relu", lateral=-0.05, threshold="ema", memory=0.9,
                         optimizer="adam", lr=0.02, init="glorot-normal", batch_size=1000, epochs=10, seed=0)
    t = time.perf_counter()
    acc, pipe = plasticity.feature_classifier(bcm, Xtr, ytr, Xte, yte)
    fitted = pipe[0]
    results["bcm100"] = {"params": {k: v for k, v in bcm.get_params().items()}, "clean_feature_accuracy": acc,
                         "theta_change_last_epochs": fitted.history_.theta_change.values[-3:].tolist(),
                         "selectivity_test": _selectivity_summary(fitted, Xte, yte),
                         "seconds": time.perf_counter() - t}
    print("BCM 100:", json.dumps(results["bcm100"], default=str), flush=True)
    import matplotlib
    matplotlib.use("Agg")
    from snt import plot
    fig = plot.receptive_fields(plasticity.receptive_fields(fitted, (28, 28)))
    fig.savefig(OUT / "plasticity_bcm_fields.png", dpi=90)

    # --- Krotov–Hopfield, 100 units ----------------------------------------------------------------------------
    kh = plasticity.KrotovHopfield(n_neurons=100, p=2.0, k=2, delta=0.4, anneal="linear", lr=0.02, batch_size=100,
                                   epochs=10, seed=0)
    t = time.perf_counter()
    acc, pipe = plasticity.feature_classifier(kh, Xtr, ytr, Xte, yte)
    results["krotov100"] = {"params": kh.get_params(), "clean_feature_accuracy": acc,
                            "selectivity_test": _selectivity_summary(pipe[0], Xte, yte),
                            "seconds": time.perf_counter() - t}
    print("KH 100:", json.dumps(results["krotov100"], default=str), flush=True)
    fig = plot.receptive_fields(plasticity.receptive_fields(pipe[0], (28, 28)))
    fig.savefig(OUT / "plasticity_krotov_fields.png", dpi=90)

    # --- the authors' label-input protocol (their notebook settings) -------------------------------------------
    K = 100 if args.quick else 1000
    for name, model in (
            ("bcm_labels", plasticity.BCM(n_neurons=K, activation="relu", lateral=0.0, threshold="batch",
                                          optimizer="adam", lr=0.02, init="normal", batch_size=4000, epochs=10,
                                          seed=42)),
            ("krotov_labels", plasticity.KrotovHopfield(n_neurons=K, optimizer="adam", lr=0.02, anneal="constant",
                                                        init="normal", batch_size=4000, epochs=20, seed=42))):
        t = time.perf_counter()
        ds = plasticity.label_protocol(model, Xtr, ytr, Xte, yte, top=10)
        results[name] = {"params": model.get_params(),
                         "accuracy": {f"{i} / {r}": float(ds.accuracy.sel(test_input=i, readout=r))
                                      for i in ds.test_input.values for r in ds.readout.values},
                         "seconds": time.perf_counter() - t}
        print(name, json.dumps(results[name], default=str), flush=True)

    out = OUT / ("plasticity_mnist_quick.json" if args.quick else "plasticity_mnist.json")
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
