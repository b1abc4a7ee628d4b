"""Type aliases of the public API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import numpy as np

if TYPE_CHECKING:
    from .ensembles import Ensemble
    from .network import Network

__all__ = ["ArrayLike", "SeedLike", "NetworkLike", "ClientLike"]

#: anything ``numpy.asarray`` accepts (numpy's own ``ArrayLike`` union makes the array code that converts its
#: arguments in place fail to type-check, so the alias is deliberately open)
ArrayLike = Any
#: what a ``seed`` argument accepts: an int, a SeedSequence, a Generator or None (fresh entropy)
SeedLike = Union[int, np.random.SeedSequence, np.random.Generator, None]
#: a sampled network, or an ensemble (sampled where needed)
NetworkLike = Union["Network", "Ensemble"]
#: the ``client`` argument of the dask-backed analyses: None, "serial", an address or a distributed.Client
ClientLike = Any
