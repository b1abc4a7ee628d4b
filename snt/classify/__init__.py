"""Planted-attractor classifiers: dynamical systems whose coupling A = Φ Λ Φ⁻¹ keeps the class patterns
as exact fixed points, trained with exact discrete-adjoint gradients.

Models: SA-nODE/EODECA double well, Wilson–Cowan metapopulation, CVFR (deterministic and stochastic) and
the SNT map itself; RSN and ℂ-RSN (reconstructed). See :class:`AttractorClassifier`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_package

#: public name -> (module, attribute), imported on first use (PEP 562)
_LAZY: dict[str, tuple[str, str | None]] = {
    "Params": (".base", "Params"),
    "PlantedModel": (".base", "PlantedModel"),
    "CVFR": (".cvfr", "CVFR"),
    "load_dataset": (".data", "load_dataset"),
    "DoubleWell": (".double_well", "DoubleWell"),
    "MODELS": (".estimator", "MODELS"),
    "AttractorClassifier": (".estimator", "AttractorClassifier"),
    "make_model": (".estimator", "make_model"),
    "Generator": (".generate", "Generator"),
    "lna": (".lna", "lna"),
    "compare_lna": (".lna_compare", "compare_lna"),
    "escape_times": (".lna_compare", "escape_times"),
    "NoiseModel": (".noise", "NoiseModel"),
    "with_noise": (".noise", "with_noise"),
    "Objective": (".objective", "Objective"),
    "compare_robustness": (".robustness", "compare_robustness"),
    "corrupt": (".robustness", "corrupt"),
    "random_pixel_attack": (".robustness", "random_pixel_attack"),
    "RSN": (".rsn", "RSN"),
    "ComplexRSN": (".rsn", "ComplexRSN"),
    "sequential_insertion": (".rsn", "sequential_insertion"),
    "robustness": (".robustness", "robustness"),
    "SNTMap": (".snt_map", "SNTMap"),
    "SpectralCoupling": (".spectral", "SpectralCoupling"),
    "orthogonality_penalty": (".spectral", "orthogonality_penalty"),
    "WilsonCowan": (".wilson_cowan", "WilsonCowan"),
}

if TYPE_CHECKING:
    from .base import Params as Params
    from .base import PlantedModel as PlantedModel
    from .cvfr import CVFR as CVFR
    from .data import load_dataset as load_dataset
    from .double_well import DoubleWell as DoubleWell
    from .estimator import MODELS as MODELS
    from .estimator import AttractorClassifier as AttractorClassifier
    from .estimator import make_model as make_model
    from .generate import Generator as Generator
    from .lna import lna as lna
    from .lna_compare import compare_lna as compare_lna
    from .lna_compare import escape_times as escape_times
    from .noise import NoiseModel as NoiseModel
    from .noise import with_noise as with_noise
    from .objective import Objective as Objective
    from .robustness import compare_robustness as compare_robustness
    from .robustness import corrupt as corrupt
    from .robustness import random_pixel_attack as random_pixel_attack
    from .rsn import RSN as RSN
    from .rsn import ComplexRSN as ComplexRSN
    from .rsn import sequential_insertion as sequential_insertion
    from .robustness import robustness as robustness
    from .snt_map import SNTMap as SNTMap
    from .spectral import SpectralCoupling as SpectralCoupling
    from .spectral import orthogonality_penalty as orthogonality_penalty
    from .wilson_cowan import WilsonCowan as WilsonCowan

__getattr__, __dir__ = lazy_package(__name__, _LAZY, shadowed=('lna', 'robustness'))

__all__ = ["AttractorClassifier", "CVFR", "ComplexRSN", "RSN", "DoubleWell", "MODELS", "Objective", "Params", "PlantedModel",
           "SNTMap", "SpectralCoupling", "WilsonCowan", "load_dataset", "make_model", "orthogonality_penalty",
           "random_pixel_attack", "robustness", "sequential_insertion"]
__all__ += ["Generator", "NoiseModel", "compare_lna", "compare_robustness", "corrupt", "escape_times", "lna",
            "with_noise"]
