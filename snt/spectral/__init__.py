"""Feed-forward spectral networks: layers written through eigenvalues, input-feature relevance, node
importance and pruning, the teacher–student experiment and a spectral architecture search.

Equations: docs/science/spectral.md (S1–S12).
"""

from . import datasets as datasets
from .layer import SpectralLayer as SpectralLayer
from .mlp import SpectralMLP as SpectralMLP
from .network import SpectralNetwork as SpectralNetwork
from .relevance import feature_relevance as feature_relevance
from .relevance import gradient_saliency as gradient_saliency
from .relevance import permutation_relevance as permutation_relevance
from .relevance import relevance_recovery as relevance_recovery

__all__ = ["SpectralLayer", "SpectralMLP", "SpectralNetwork", "datasets", "feature_relevance",
           "gradient_saliency", "permutation_relevance", "relevance_recovery"]
