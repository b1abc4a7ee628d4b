"""Synaptic plasticity: the BCM network with lateral connections, Krotov–Hopfield competing units, their
measures (selectivity, overlap, memorisation, receptive fields, feature classifiers) and Hebbian learning on
the SNT network (equations in docs/science/plasticity.md, numbered P1..)."""

from .bcm import BCM, THRESHOLDS
from .krotov import KrotovHopfield
from .lateral import lateral_inverse

__all__ = ["BCM", "KrotovHopfield", "THRESHOLDS", "lateral_inverse"]
