r"""The one description of a classifier's settings: :class:`Settings`, a frozen dataclass.

Every option of :class:`~snt.classify.AttractorClassifier` is one field here, with its validation, its
documentation and its command-line form in the field's metadata. The estimator's parameters
(``AttractorClassifier.__init__`` is generated from these fields), their checks, the parameter section of its
docstring, the options of ``snt classify train`` (:func:`add_arguments`) and of the analysis scripts all
derive from this table, so adding an option is one field here plus the code that uses it.

A field left at ``None`` means *automatic*: :meth:`Settings.resolve` fills it, in this order, from the
preset (:mod:`snt.classify.presets`), from the model's default recipe, or from a rule on the data (network
size, batch size, epochs, input scale); the resolved settings are the fitted attribute ``config_``.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, field, fields, replace

from ._names import NOISE_MODELS

__all__ = ["Settings", "add_arguments", "from_arguments", "parameter_doc"]


# ---------------------------------------------------------------------------------------------- checkers
def _flat(x):
    """A scalar or a 1-d sequence as a list of its entries."""
    return [x] if isinstance(x, numbers.Real) else list(x)


def _is_num(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def positive_int(name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def nonneg_int(name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {v!r}")
    return int(v)


def positive(name, v):
    if not _is_num(v) or not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {v!r}")
    return float(v)


def nonneg(name, v):
    if not _is_num(v) or not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return float(v)


def fraction(name, v):
    if not _is_num(v) or not 0 <= v < 1:
        raise ValueError(f"{name} must be a fraction in [0, 1), got {v!r}")
    return float(v)


def flag(name, v):
    if not (isinstance(v, bool) or (type(v).__module__ == "numpy" and type(v).__name__ in ("bool", "bool_"))):
        raise TypeError(f"{name} must be True or False, got {v!r}")
    return bool(v)


class choice:
    """Checker of a string option with a fixed set of ``values``."""

    def __init__(self, *values):
        self.values = values

    def __call__(self, name, v):
        if not isinstance(v, str) or v not in self.values:
            raise ValueError(f"{name} must be one of {list(self.values)}, got {v!r}")
        return v


def milestones(name, v):
    try:
        ms = tuple(v)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of epochs, got {v!r}") from None
    if not all(isinstance(m, numbers.Integral) and not isinstance(m, bool) and m >= 1 for m in ms) \
            or any(b <= a for a, b in zip(ms, ms[1:])):
        raise ValueError(f"{name} must be strictly increasing positive epochs, got {v!r}")
    return tuple(int(m) for m in ms)


def sigma_value(name, v):
    """A noise amplitude: a float, or a tuple of per-node floats (:func:`snt.classify.noise.check_sigma`)."""
    from .noise import check_sigma

    out = check_sigma(v, name)
    return out if isinstance(out, float) else tuple(float(x) for x in out)


class _noise_choice(choice):
    """Checker of ``noise``: a name of :data:`snt.classify.noise.NOISE_MODELS` (or None, automatic)."""

    def __call__(self, name, v):
        if not isinstance(v, str) or v not in self.values:
            raise ValueError(f"{name} must be one of {sorted(self.values)} or None, got {v!r}")
        return v


def seed_value(name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
        raise ValueError(f"{name} must be an integer >= 0 or None, got {v!r}")
    return int(v)


def path_value(name, v):
    import os

    if not isinstance(v, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path, got {v!r}")
    return str(v)


def callable_value(name, v):
    if not callable(v):
        raise TypeError(f"{name} must be callable, got {v!r}")
    return v


def model_name(name, v):
    """The canonical name of a model of :data:`~snt.classify.MODELS` (aliases accepted)."""
    from .estimator import ALIASES, MODELS

    if not isinstance(v, str):
        raise TypeError(f"{name} must be a string, one of {sorted(MODELS)}, got {v!r}")
    canon = ALIASES.get(v.lower(), v.lower())
    if canon not in MODELS:
        raise ValueError(f"{name} must be one of {sorted(MODELS)} (aliases {sorted(ALIASES)}), got {v!r}")
    return canon


PRESET_NAMES = ("paper", "digits", "fashion-mnist", "mnist")


_NO_AUTO = object()


def option(check, doc, *, default=None, auto=_NO_AUTO, group="training", cli=True, cli_type=None, nargs=None):
    """A field of :class:`Settings`: ``check(name, value)`` validates a non-None value and returns it
    normalised; ``doc`` is the numpydoc description (first line: the type); ``auto`` the value an automatic
    (None) setting takes when neither the preset, the model's recipe nor a rule on the data sets it."""
    return field(default=default, metadata={"check": check, "doc": doc, "group": group, "cli": cli,
                                            "cli_type": cli_type, "nargs": nargs, "auto": auto})


# ---------------------------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Settings:
    """Every setting of a planted-attractor classifier (see the module docstring); ``None`` = automatic."""

    # -- the dynamics
    model: str = option(model_name, 'str\n    The dynamics: "sa-node", "wilson-cowan", "cvfr", "cvfr-stochastic", '
                        '"snt-map", "rsn", "c-rsn" (the last two reconstructed, :mod:`snt.classify.rsn`, without '
                        'a validated recipe); aliases "eodeca"/"double-well", "wc", "snt", "crsn".', default="sa-node", group="model", cli_type=str)
    preset: str | None = option(choice(*PRESET_NAMES), "{None, 'paper', 'digits', 'fashion-mnist', 'mnist'}\n    "
                                "Settings by name (:mod:`snt.classify.presets`): the papers' protocol or the "
                                "recipe chosen on a validation split of a dataset. Parameters "
                                "given explicitly override it.", group="model", cli_type=str)
    steps: int | None = option(positive_int, "int\n    Integration steps during training (default per model: "
                               "30, 25, 60, 60, 20).", group="model", cli_type=int)
    dt: float | None = option(positive, "float\n    Euler step (default per model; ignored by the map).",
                              group="model", cli_type=float)
    eval_steps: int | None = option(positive_int, "int\n    Steps used by predict (default ``steps``).",
                                    group="model", cli_type=int)
    n_nodes: int | None = option(positive_int, "int\n    Number of nodes; default from the data "
                                 ":math:`\\max(F, 2(K+2), \\min(2F, 128))` for F features and K classes, "
                                 "at least 64 for Wilson–Cowan and CVFR (inputs are zero-padded or "
                                 "repeated, ``input_map``).", group="model", cli_type=int)
    dtype: str | None = option(choice("float64", "float32"), "{'float64', 'float32'}\n    Floating type of the "
                               "trajectories (default float64).", group="model", auto="float64", cli_type=str)
    input_scale: float | None = option(positive, "float\n    The initial condition is ``input_scale`` times "
                                       "the item (in [0, 1]) zero-padded; default 1, and for CVFR "
                                       ":math:`0.1\\sqrt{128/N}`, the attractor level :math:`x_p \\propto "
                                       "1/\\sqrt N` times 1.3.", group="model", cli_type=float)
    input_map: str | None = option(choice("pad", "tile"), "{'pad', 'tile'}\n    How an item of F features "
                                   "becomes the initial state of the N nodes: 'pad' puts it on the first F "
                                   "nodes and the others at 0; 'tile' repeats it over the nodes (node i "
                                   "starts at feature i mod F). Default per model: 'tile' for Wilson–Cowan "
                                   "and CVFR when 4F <= N, else 'pad'.",
                                   group="model", cli_type=str)
    readout: str | None = option(choice("nearest", "strict"), "{'nearest', 'strict'}\n    Nearest attractor "
                                 "(default), or strict sign match on every node (double well and SNT map; "
                                 "rejected items are predicted as -1, integer labels only).", group="model",
                                 auto="nearest", cli_type=str)
    sigma: float | tuple | None = option(sigma_value, "float or sequence of float\n    Noise amplitude: of the "
                                         "CVFR models' damped noise (default 0 / 3), or of ``noise`` (one value, "
                                         "or one per node, :mod:`snt.classify.noise`); without ``noise`` a "
                                         "non-CVFR model gets additive noise.", group="model", cli_type=float)
    noise: str | None = option(_noise_choice(*NOISE_MODELS), "{None, 'additive', 'state-dependent', 'damped'}\n    Noise model "
                               "of the dynamics in training and prediction (:mod:`snt.classify.noise`); "
                               "'damped' (CVFR only) vanishes at the attractors; 'state-dependent' "
                               "trains the double well and Wilson–Cowan (the CVFR and the SNT map: set it "
                               "on a fitted classifier with :func:`snt.classify.with_noise`).", group="model", cli_type=str)
    training_noise: float | None = option(nonneg, "float\n    ``model='cvfr'`` only: train with the "
                                          "stochastic CVFR's noise of this amplitude, predict without it "
                                          "(default 3 for CVFR; 0: train without noise).", group="model",
                                          cli_type=float)
    init: str | None = option(choice("orthogonal", "complement"), "{'orthogonal', 'complement'}\n    Initial "
                              "trained eigenvectors: the papers' random orthonormal columns, or drawn in the "
                              "orthogonal complement of the planted span (default).", group="model",
                              auto="complement", cli_type=str)
    enforce_stability: bool | None = option(flag, "bool\n    After training, shrink the trained eigenvalues "
                                            "until every attractor is stable (default True).", group="model",
                                            auto=True, cli_type=bool)
    # -- the optimizer and its schedule
    optimizer: str | None = option(choice("adam", "lbfgs"), "{'adam', 'lbfgs'}\n    Projected Adam "
                                   "(default) or L-BFGS-B (:mod:`snt.classify.training`).", auto="adam", cli_type=str)
    maxiter: int | None = option(positive_int, "int\n    Adam epochs or L-BFGS iterations; default about "
                                 "4500 Adam steps, at most the model's digits epochs.", cli_type=int)
    batch_size: int | None = option(positive_int, "int\n    Adam mini-batch (default from the data: "
                                    ":math:`2^{\\mathrm{round}(\\log_2(n/45))}` items, 16 to 200; twice that "
                                    "for CVFR), or the first L-BFGS stage.", cli_type=int)
    lr: float | None = option(positive, "float\n    Adam learning rate (default per model).", cli_type=float)
    lr_decay: float | None = option(positive, "float\n    Factor of the rate after every epoch; default such "
                                    "that the rate falls over ``maxiter`` epochs as over the digits recipe.",
                                    cli_type=float)
    lr_milestones: tuple | None = option(milestones, "sequence of int\n    Epochs after which the rate is "
                                         "multiplied by ``lr_drop`` (a step schedule).", auto=(), cli_type=int,
                                         nargs="+")
    lr_drop: float | None = option(positive, "float\n    Factor of ``lr_milestones`` (default 0.1).",
                                   auto=0.1, cli_type=float)
    lr_warmup: int | None = option(nonneg_int, "int\n    Adam: epochs of linear warm-up, the rate of epoch "
                                   ":math:`e \\le w` multiplied by :math:`e/(w+1)` (default 0).", auto=0,
                                   cli_type=int)
    lr_eigenvalues: float | None = option(positive, "float\n    Adam rate of the trained eigenvalues (default "
                                          "per model; L-BFGS: a preconditioner).", cli_type=float)
    lr_gamma: float | None = option(positive, "float\n    Adam rate of the trained scalar γ (default ``lr``).",
                                    cli_type=float)
    ema: float | None = option(fraction, "float\n    Adam: momentum of a moving average of the parameters, "
                               "which is validated and returned (default none).", cli_type=float)
    clip_norm: float | None = option(positive, "float\n    Adam: a mini-batch gradient of larger Euclidean "
                                     "norm is rescaled to it (default none).", cli_type=float)
    # -- the loss and its regularisers
    loss: str | None = option(choice("mse", "xent"), "{'mse', 'xent'}\n    Mean squared error to the class "
                              "pattern (the papers') or the cross-entropy of the nearest-attractor readout "
                              "(default).", auto="xent", cli_type=str)
    temperature: float | None = option(positive, "float\n    Temperature of ``loss='xent'`` and of "
                                       ":meth:`predict_proba`, in units of the smallest squared distance "
                                       "between two patterns (default 0.1).", auto=0.1, cli_type=float)
    input_noise: float | None = option(nonneg, "float\n    Standard deviation of Gaussian noise added to the "
                                       "training items' features (default per model: 0.05, 0.1, else 0).",
                                       auto=0.0, cli_type=float)
    # -- early stopping
    validation: float | None = option(fraction, "float\n    Fraction of the training set held out for "
                                      "validation and early stopping (default 0).", auto=0.0, cli_type=float)
    patience: int | None = option(nonneg_int, "int\n    Validation checks without improvement before "
                                  "stopping (default 10; 0: never stop early). The parameters of the best "
                                  "validation accuracy are restored in either case.", auto=10, cli_type=int)
    val_every: int | None = option(positive_int, "int\n    Iterations between validation checks (default 1).",
                                   auto=1, cli_type=int)
    # -- checkpointing
    checkpoint: str | None = option(path_value, "str\n    ``.npz`` file written during training; an "
                                    "existing one is resumed (with ``resume``).", cli_type=str)
    checkpoint_every: int | None = option(positive_int, "int\n    Iterations between checkpoints (default 1).",
                                          auto=1, cli_type=int)
    resume: bool | None = option(flag, "bool\n    Continue from an existing ``checkpoint`` (default True).",
                                 auto=True, cli_type=bool)
    # -- how the work runs
    chunk: int | None = option(positive_int, "int\n    Items per forward/backward pass (memory: chunk x steps "
                               "x N floats; default 2048).", group="runtime", auto=2048, cli_type=int)
    n_threads: int | None = option(positive_int, "int\n    BLAS threads (default 1). A fit on one thread gives "
                                   "the same bits on any machine; more threads are faster for large networks "
                                   "but round differently, and training amplifies the difference (Wilson-Cowan, "
                                   "576 nodes, 600 digits, one epoch: parameters 0.3 of their largest apart "
                                   "between 1 and 2 threads; accuracy on 300 other digits 0.57 against 0.08).",
                                   group="runtime", cli_type=int)
    callback: object = option(callable_value, "callable\n    ``callback(intermediate_result)`` after every "
                              "iteration/epoch (raise ``StopIteration`` to stop).", group="runtime", cli=False)
    random_state: int | None = option(seed_value, "int\n    Seed of every random choice (initialisation, "
                                      "shuffles, validation split, noise).", group="runtime", cli_type=int)
    seed: int | None = option(seed_value, "int\n    Alias of ``random_state``, used when ``random_state`` is None "
                              "(scikit-learn's tools set ``random_state``).", group="runtime", cli=False)
    verbose: bool = option(flag, "bool\n    Show a progress bar (tqdm).", default=False, group="runtime",
                           cli=False)

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None:
                object.__setattr__(self, f.name, f.metadata["check"](f.name, v))

    # ------------------------------------------------------------------ resolution
    @property
    def rng_seed(self):
        """The seed (``random_state``, or its alias ``seed``)."""
        return self.random_state if self.random_state is not None else self.seed

    def explicit(self):
        """The fields set to a value (not automatic) as a dict."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def resolve(self, n_items, n_features, n_classes):
        """Concrete settings for ``n_items`` training items of ``n_features`` features in ``n_classes``
        classes: explicit values, then the preset, then the model's recipe and the rules on the data."""
        from .presets import DIGITS, lookup, recipe

        given = self.explicit()
        base = {**(lookup(self.preset, self.model) if self.preset else recipe(self.model)), **given}
        base["model"] = self.model
        s = replace(self, **{k: v for k, v in base.items() if k in _FIELD_NAMES})
        from .estimator import MODELS

        n_nodes = s.n_nodes if s.n_nodes is not None else MODELS[self.model][0].default_nodes(n_features, n_classes)
        per = 2.0 if self.model.startswith("cvfr") else 1.0
        batch = s.batch_size
        if batch is None and (s.optimizer or "adam") == "adam":
            batch = _auto_batch(n_items, per)
        epochs, decay = s.maxiter, s.lr_decay
        if epochs is None and self.model not in DIGITS:
            epochs = 100                  # no validated recipe (RSN, C-RSN): a fixed budget
        if decay is None and self.model not in DIGITS:
            decay = 1.0
        if epochs is None:
            # as many Adam steps as the recipe makes on the 1437 digits, at most its number of epochs
            e_ref = DIGITS[self.model]["maxiter"]
            ref_steps = e_ref * math.ceil(_REF_ITEMS / _auto_batch(_REF_ITEMS, per))
            n_batches = math.ceil(n_items / batch) if batch else 1
            epochs = int(min(e_ref, max(1, math.ceil(ref_steps / n_batches))))
        if decay is None:
            r = DIGITS[self.model]
            decay = float((r["lr_decay"] ** r["maxiter"]) ** (1.0 / epochs))
        scale = s.input_scale
        if scale is None:
            scale = 0.1 * math.sqrt(128.0 / n_nodes) if self.model.startswith("cvfr") else 1.0
        input_map = s.input_map or MODELS[self.model][0].default_input_map(n_features, n_nodes)
        auto = dict(n_nodes=n_nodes, batch_size=batch, maxiter=epochs, lr_decay=decay, input_scale=scale,
                    input_map=input_map)
        rest = {f.name: f.metadata["auto"] for f in fields(Settings) if f.metadata["auto"] is not _NO_AUTO}
        fill = {k: v for k, v in {**rest, **auto}.items() if getattr(s, k) is None}
        out = replace(s, **fill)
        if out.training_noise and (out.model != "cvfr" or out.noise is not None
                                   or (out.sigma is not None and any(float(x) > 0 for x in _flat(out.sigma)))):
            raise ValueError(f"training_noise applies to model='cvfr' without sigma (got model={out.model!r}, "
                             f"sigma={out.sigma!r}); for noise at prediction too use model='cvfr-stochastic'")
        if out.input_map == "tile" and out.model in ("rsn", "c-rsn"):
            raise ValueError(f"input_map='tile' does not apply to model={out.model!r}: its memory nodes start "
                             "at 0 and the item fills the input nodes")
        if out.readout == "strict" and out.model not in ("sa-node", "snt-map"):
            raise ValueError(f"readout='strict' needs sign patterns (sa-node, snt-map), not model={out.model!r}")
        if out.optimizer != "adam":
            # Adam-only settings: refused when given, dropped when they came from a recipe or a preset
            for name in ("ema", "clip_norm", "lr_milestones"):
                if given.get(name):
                    what = "a step schedule of the rate" if name == "lr_milestones" else "an Adam setting"
                    raise ValueError(f"{name} ({what}) applies to optimizer='adam' only")
            out = replace(out, ema=None, clip_norm=None, lr_milestones=())
        return out

    def to_json(self):
        """The settings as JSON-able values (the callback as its repr)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else (repr(v) if callable(v) else v)
        return out


_FIELD_NAMES = frozenset(f.name for f in fields(Settings))
#: the training items of the digits, on which the recipes were chosen
_REF_ITEMS = 1437


def _auto_batch(n_items, factor=1.0):
    """Adam mini-batch for ``n_items`` items: about 45 batches per epoch, a power of two, 16 to 200 items
    (times ``factor``, then at most 200)."""
    return int(min(200, factor * max(16, 2 ** round(math.log2(max(1.0, n_items / 45.0))))))


def parameter_doc():
    """The numpydoc ``Parameters`` entries of every field."""
    return "\n".join(f"{f.name} : {f.metadata['doc']}" for f in fields(Settings))


# ---------------------------------------------------------------------------------------------- command line
#: LaTeX of the option docs as plain text in ``--help``
_LATEX = (("\\max", "max"), ("\\min", "min"), ("\\sqrt", "sqrt"), ("\\log", "log"), ("\\propto", "~"),
          ("\\leq", "<="), ("\\le", "<="), ("\\ge", ">="), ("\\cdot", "*"), ("\\,", " "), ("\\", ""),
          ("{", ""), ("}", ""))


def plain_text(doc):
    """An option's doc (reStructuredText, as the API pages show it) as the plain text of ``--help``: a role
    becomes its target, a double-backquoted literal its text, and the LaTeX of a math role is spelt out."""

    def math(m):
        text = re.sub(r"\\mathrm\{([^{}]*)\}", r"\1", m.group(1))
        text = re.sub(r"\\sqrt\{([^{}]*)\}", r" sqrt(\1)", text)
        text = re.sub(r"\^\{([^{}]*)\}", r"^(\1)", text)
        for tex, plain in _LATEX:
            text = text.replace(tex, plain)
        return text

    doc = re.sub(r":math:`([^`]*)`", math, doc)
    doc = re.sub(r":[a-z]+:`~?([^`]*)`", r"\1", doc)
    return doc.replace("``", "")


def add_arguments(parser, skip=()):
    """Add one ``--option`` per field of :class:`Settings` (default None = automatic) to ``parser``."""
    import argparse

    for f in fields(Settings):
        m = f.metadata
        if not m["cli"] or f.name in skip:
            continue
        flag_name = "--" + f.name.replace("_", "-")
        doc = plain_text(m["doc"].split("\n", 1)[-1].strip())
        doc = doc.replace("%", "%%")
        choices = m["check"].values if isinstance(m["check"], choice) else None
        if m["cli_type"] is bool:
            parser.add_argument(flag_name, action=argparse.BooleanOptionalAction, default=None, help=doc)
        else:
            parser.add_argument(flag_name, type=m["cli_type"], default=None, nargs=m["nargs"], choices=choices,
                                help=doc)
    return parser


def from_arguments(args):
    """The :class:`Settings` fields given on a command line parsed with :func:`add_arguments` (a dict)."""
    names = [f.name for f in fields(Settings) if f.metadata["cli"]]
    given = vars(args)
    return {k: given[k] for k in names if given.get(k) is not None}
