"""The transfer functions' names, kernel codes and the properties the analyses need (no numba import, so
that the command line can list them without loading the kernels). The formulas are in ``snt._kernels``."""

import math

TANH = 0
ERF = 1
NORMCDF = 2
LOGISTIC = 3
TRANSFER_CODES = {"tanh": TANH, "erf": ERF, "normcdf": NORMCDF, "logistic": LOGISTIC}
#: the names accepted by ``Network(transfer=...)`` and the ensembles
TRANSFERS = tuple(TRANSFER_CODES)
#: max f' / g of each transfer (at x = 0): the contraction bound of SCIENCE.md E3 uses g times this.
MAX_SLOPE = {"tanh": 1.0, "erf": 1.0, "normcdf": 1.0 / math.sqrt(2.0 * math.pi), "logistic": 0.5}
#: the transfers with f(-x) = -f(x) (the origin is a fixed point at theta = 0, with the u -> -u symmetry)
ODD_TRANSFERS = ("tanh", "erf")
