"""Names the command line offers as choices, kept free of numpy so that building the parser stays cheap."""

#: Datasets :func:`snt.classify.load_dataset` knows.
DATASETS = ("digits", "mnist", "fashion-mnist")

#: Noise models and the models they apply to (None: every model).
NOISE_MODELS = {"additive": None, "state-dependent": None, "damped": ("cvfr",)}
