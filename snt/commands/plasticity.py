"""``snt plasticity``: train a BCM or Krotov–Hopfield layer on an image dataset, or run Hebbian learning on a
random rate network (docs/science/plasticity.md), and save the result."""

import argparse
import time

EXAMPLES = """examples:
  snt plasticity bcm --dataset mnist --neurons 100 --lateral -0.05 --threshold ema --memory 0.9 --epochs 10 -o bcm.nc
  snt plasticity krotov --dataset digits --neurons 50 --epochs 20 --classify -o kh.nc
  snt plasticity hebbian --N 100 --J 2 --g 4 --epochs 30 --forgetting 0.9 --rate 30 -o heb.nc
"""


def _layer_options(p, *, batch, lr, init, optimizer, anneal, tol):
    p.add_argument("--dataset", choices=["digits", "mnist", "fashion-mnist"], default="digits",
                   help="training images (default digits; MNIST files are found through $SNT_DATA)")
    p.add_argument("--neurons", type=int, default=100, help="number of neurons (default 100)")
    p.add_argument("--epochs", type=int, default=10, help="epochs (default 10)")
    p.add_argument("--batch-size", type=int, default=batch, help=f"minibatch size (default {batch})")
    p.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default=optimizer,
                   help=f"optimizer (default {optimizer})")
    p.add_argument("--lr", type=float, default=lr, help=f"initial learning rate (default {lr})")
    p.add_argument("--anneal", choices=["exponential", "constant", "linear"], default=anneal,
                   help=f"learning-rate schedule over epochs (default {anneal})")
    p.add_argument("--anneal-epochs", type=float, default=10.0,
                   help="half-life in epochs of the exponential schedule (default 10)")
    p.add_argument("--tol", type=float, default=tol, help="convergence test on the relative change of theta per "
                                                          f"epoch (default {tol}; 3 epochs in a row)")
    p.add_argument("--no-early-stopping", dest="early_stopping", action="store_false",
                   help="run every epoch even after theta has converged")
    p.add_argument("--init", default=init, help=f"initial weights (default {init})")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="floating type of the training (default float64)")
    p.add_argument("--classify", action="store_true", help="also the clean test accuracy of a logistic "
                                                            "regression on the responses")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def register(subparsers):
    """Add the ``plasticity`` subcommand with ``bcm``, ``krotov`` and ``hebbian``."""
    from ..cli import add_ensemble_options
    top = subparsers.add_parser("plasticity", help="BCM / Krotov-Hopfield layers and Hebbian learning",
                                epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="rule", metavar="RULE")
    sub.required = True

    p = sub.add_parser("bcm", help="BCM network with lateral connections", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _layer_options(p, batch=1000, lr=0.02, init="glorot-normal", optimizer="adam", anneal="exponential", tol=0.01)
    p.add_argument("--activation", choices=["logistic", "relu", "linear", "tanh"], default="relu",
                   help="activation of the neurons (default relu)")
    p.add_argument("--lateral", type=float, default=0.0, help="lateral strength s (< 0: inhibition; default 0)")
    p.add_argument("--threshold", choices=["batch", "ema", "online"], default="batch",
                   help="threshold mode (default batch, as the authors' code)")
    p.add_argument("--memory", type=float, default=0.5, help="memory factor of the moving average (default 0.5)")
    p.add_argument("--tau", type=float, default=1000.0, help="online threshold time constant (default 1000)")
    p.add_argument("-o", "--output", default="snt-bcm.nc", help="output file, .nc or .zarr (default %(default)s)")
    p.set_defaults(func=_run_layer)

    p = sub.add_parser("krotov", help="Krotov-Hopfield competing hidden units", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _layer_options(p, batch=100, lr=0.02, init="normal", optimizer="sgd", anneal="linear", tol=None)
    p.add_argument("--p", type=float, default=2.0, help="Lebesgue exponent (default 2)")
    p.add_argument("--k", type=int, default=2, help="rank of the anti-Hebbian unit (default 2)")
    p.add_argument("--delta", type=float, default=0.4, help="anti-Hebbian strength (default 0.4)")
    p.add_argument("-o", "--output", default="snt-krotov.nc", help="output file, .nc or .zarr (default %(default)s)")
    p.set_defaults(func=_run_layer)

    p = sub.add_parser("hebbian", help="Hebbian learning with forgetting on a random rate network",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ensemble_options(p, N=100, g=4.0)
    for action in p._actions:
        if action.dest == "J":                  # a chaotic start for the rate network: W std 2/sqrt(N), g = 4
            action.default, action.help = 2.0, "coupling standard-deviation scale of W(0) (default 2)"
    p.add_argument("--pattern-std", type=float, default=0.2, help="std of the Gaussian pattern xi (default 0.2)")
    p.add_argument("--epochs", type=int, default=30, help="learning epochs (default 30)")
    p.add_argument("--steps-per-epoch", type=int, default=500,
                   help="steps of frozen-coupling dynamics per epoch whose rates form the Hebbian matrix (default 500)")
    p.add_argument("--forgetting", type=float, default=0.9, help="forgetting factor in [0, 1], 1: none (default 0.9)")
    p.add_argument("--rate", type=float, default=30.0, help="learning rate alpha >= 0 (default 30)")
    p.add_argument("--rule", choices=["covariance", "mean_deviation", "gated"], default="covariance",
                   help="Hebbian matrix (default covariance)")
    p.add_argument("--novel", type=int, default=3, help="novel patterns (default 3)")
    p.add_argument("--response-every", type=int, default=1,
                   help="epochs between measurements of the linear response (default 1)")
    p.add_argument("--seed", type=int, default=1, help="seed of the pattern, initial conditions and noise (default 1)")
    p.add_argument("-o", "--output", default="snt-hebbian.nc", help="output file, .nc or .zarr (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_hebbian)


def _run_layer(args):
    import numpy as np

    from .. import plasticity
    from ..classify import load_dataset
    from ..io import save
    Xtr, ytr, Xte, yte = load_dataset(args.dataset)
    common = dict(n_neurons=args.neurons, optimizer=args.optimizer, lr=args.lr, anneal=args.anneal,
                  anneal_epochs=args.anneal_epochs, init=args.init, batch_size=args.batch_size, epochs=args.epochs,
                  tol=args.tol, early_stopping=args.early_stopping, dtype=args.dtype, seed=args.seed,
                  progress=not args.quiet)
    if args.rule == "bcm":
        model = plasticity.BCM(activation=args.activation, lateral=args.lateral, threshold=args.threshold,
                               memory=args.memory, tau=args.tau, **common)
    else:
        model = plasticity.KrotovHopfield(p=args.p, k=args.k, delta=args.delta, **common)
    start = time.perf_counter()
    acc = None
    if args.classify:
        acc, pipe = plasticity.feature_classifier(model, Xtr, ytr, Xte, yte)
        model = pipe[0]
    else:
        model.fit(Xtr)
    sel = plasticity.selectivity(model, Xte, labels=yte).drop_vars("selected")
    ds = model.history_
    ds["weights"] = (("neuron", "feature"), np.asarray(model.weights_, dtype=np.float64),
                     {"long_name": "receptive fields W", "units": "1"})
    ds = ds.merge(sel.drop_dims("sample", errors="ignore"), combine_attrs="override")
    ds = ds.assign_coords(feature=("feature", np.arange(ds.sizes["feature"]), {"long_name": "input pixel"}))
    ds.attrs["dataset"] = args.dataset
    summary = (f"{args.rule} on {args.dataset}: {model.n_epochs_} epochs, theta {model.convergence_}, median alpha = "
               f"{int(np.median(sel.alpha))}/{int(sel.n_samples)}, beta = {float(sel.beta):.3g}, classes covered "
               f"{int(sel.classes_covered)}")
    if acc is not None:
        ds["test_accuracy"] = ((), acc, {"long_name": "clean test accuracy of a logistic regression on the responses",
                                         "units": "1"})
        summary += f", clean test accuracy {acc:.4f}"
    save(ds, args.output)
    print(f"wrote {args.output}: {summary}, {time.perf_counter() - start:.1f} s")
    return 0


def _run_hebbian(args):
    import numpy as np

    from ..cli import ensemble_from
    from ..io import save
    from ..plasticity import hebbian
    net = ensemble_from(args).sample(seed=args.network_seed)
    xi = np.random.default_rng(args.seed).standard_normal(net.N) * args.pattern_std
    start = time.perf_counter()
    ds = hebbian(net, xi, epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, forgetting=args.forgetting,
                 rate=args.rate, rule=args.rule, novel=args.novel, response_every=args.response_every,
                 seed=args.seed, progress=not args.quiet)
    save(ds, args.output)
    print(f"wrote {args.output}: lambda_max {float(ds.lambda_max[0]):.3g} -> {float(ds.lambda_max[-1]):.3g}, route "
          f"{ds.attrs['route']} ({ds.attrs['route_status']}), first lambda < 0 at epoch "
          f"{ds.attrs['first_negative_epoch']}, "
          f"{time.perf_counter() - start:.1f} s")
    return 0
