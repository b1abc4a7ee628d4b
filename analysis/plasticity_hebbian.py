"""Hebbian learning with passive forgetting from chaotic starts: 5 network seeds, the route to a stable state,
the responses to the learned and to novel patterns, and the forgetting-only control (rate 0); results in
analysis/results/plasticity_hebbian.json and the figure of seed 1 in analysis/results/plasticity_hebbian.png.

Run ``python3 analysis/plasticity_hebbian.py``.
"""

import json
from pathlib import Path

import numpy as np

import snt
from snt import plasticity

OUT = Path(__file__).resolve().parent / "results"
SETTINGS = dict(epochs=25, steps_per_epoch=500, forgetting=0.9, rate=30.0, rule="covariance", novel=6,
                response_every=1)


def _z(ds):
    d = ds.response_learned - ds.response_novel
    se = np.sqrt(ds.response_learned_stderr ** 2 + ds.response_novel_stderr ** 2)
    return (d / se).values


def main():
    rows = []
    for s in range(1, 6):
        net = snt.Ensemble(N=100, J=2.0, g=4.0).sample(seed=s)
        xi = np.random.default_rng(100 + s).standard_normal(100) * 0.2
        ds = plasticity.hebbian(net, xi, seed=s, record_weights=False, **SETTINGS)
        ctrl = plasticity.hebbian(net, xi, seed=s, record_weights=False, **dict(SETTINGS, rate=0.0, novel=0,
                                                                                  response_every=1000))
        z = _z(ds)
        dl = (ds.lambda_max - ds.lambda_novel).values
        lse = ds.lambda_novel_stderr.values
        row = {"seed": s, "lambda_0": float(ds.lambda_max[0]), "first_negative_epoch": ds.first_negative_epoch,
               "route": ds.attrs["route"], "route_status": ds.attrs["route_status"],
               "route_revisits": ds.attrs["route_revisits"], "undecided_epochs": ds.attrs["undecided_epochs"],
               "final_regime": str(ds.regime.values[-1]),
               "control_first_negative_epoch": ctrl.first_negative_epoch, "control_route": ctrl.attrs["route"],
               "control_route_status": ctrl.attrs["route_status"],
               "lambda": np.round(ds.lambda_max.values, 4).tolist(),
               "control_lambda": np.round(ctrl.lambda_max.values, 4).tolist(),
               "rho_W": np.round(ds.spectral_radius.values, 3).tolist(),
               "z_response_learned_minus_novel": np.round(z, 2).tolist(),
               "lambda_learned_minus_novel": np.round(dl, 4).tolist(),
               "lambda_novel_stderr": np.round(lse, 4).tolist(),
               "response_learned": np.round(ds.response_learned.values, 4).tolist(),
               "response_novel": np.round(ds.response_novel.values, 4).tolist()}
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("seed", "lambda_0", "first_negative_epoch", "route", "route_status",
                                              "route_revisits", "control_first_negative_epoch")}), flush=True)
        if s == 1:
            import matplotlib
            matplotlib.use("Agg")
            from snt import plot
            plot.hebbian_epochs(ds).savefig(OUT / "plasticity_hebbian.png", dpi=90)
    statuses = [r["route_status"] for r in rows]
    summary = {"stable_state_reached": sum(r["first_negative_epoch"] > 0 and r["final_regime"] == "fixed point"
                                           for r in rows),
               "reverse_route": statuses.count("reverse route"),
               "reverse_route_with_revisits": statuses.count("reverse route with revisits"), "seeds": len(rows)}
    print(json.dumps(summary), flush=True)
    (OUT / "plasticity_hebbian.json").write_text(json.dumps({"settings": SETTINGS, "network": "Ensemble(N=100, "
                                                             "J=2, g=4), xi ~ N(0, 0.2^2)", "summary": summary,
                                                             "seeds": rows}, indent=1))


if __name__ == "__main__":
    main()
