"""Feed-forward spectral networks: layers written through eigenvalues, input-feature relevance, node
importance and pruning, the teacher–student experiment and a spectral architecture search.

Equations: docs/science/spectral.md (S1)–(S12). The recurrent models RSN and ℂ-RSN are in
:mod:`snt.classify.rsn`.
"""

from . import datasets as datasets
from .layer import SpectralLayer as SpectralLayer
from .mlp import SpectralMLP as SpectralMLP
from .network import SpectralNetwork as SpectralNetwork
from .pruning import metric_based_pruning as metric_based_pruning
from .pruning import node_importance as node_importance
from .pruning import percentile_prune as percentile_prune
from .pruning import prune as prune
from .relevance import attractor_relevance as attractor_relevance
from .relevance import feature_relevance as feature_relevance
from .relevance import gradient_saliency as gradient_saliency
from .relevance import permutation_relevance as permutation_relevance
from .relevance import relevance_recovery as relevance_recovery
from .search import architecture_search as architecture_search
from .teacher import teacher_student as teacher_student

__all__ = ["SpectralLayer", "SpectralMLP", "SpectralNetwork", "architecture_search", "attractor_relevance", "datasets",
           "feature_relevance", "gradient_saliency", "metric_based_pruning", "node_importance",
           "percentile_prune", "permutation_relevance", "prune", "relevance_recovery", "teacher_student"]
