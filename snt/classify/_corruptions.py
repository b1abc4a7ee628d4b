"""The corruptions of :func:`snt.classify.robustness` with their default levels (a light module: the command
line lists them without importing xarray)."""

#: corruption -> (default levels, description of the level)
CORRUPTIONS = {
    "pixels": ((0.0, 0.1, 0.2, 0.3, 0.4, 0.5), "fraction of attacked pixels"),
    "gaussian": ((0.0, 0.1, 0.2, 0.3, 0.4, 0.5), "standard deviation of the added noise"),
    "blur": ((0.0, 0.5, 0.75, 1.0, 1.5, 2.0), "blur standard deviation (pixels)"),
    "contrast": ((0.0, 0.2, 0.4, 0.6, 0.8, 0.9), "contrast reduction"),
}
