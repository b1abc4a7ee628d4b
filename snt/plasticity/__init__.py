"""Synaptic plasticity: the BCM network with lateral connections, Krotov–Hopfield competing units, their
measures (selectivity, overlap, memorisation, receptive fields, feature classifiers) and Hebbian learning on
the SNT network (equations in docs/science/plasticity.md, numbered P1..)."""

from .bcm import BCM, THRESHOLDS
from .hebbian import ROUTES, hebbian, hebbian_matrix, rates, route_status, snt_network
from .krotov import KrotovHopfield
from .lateral import lateral_inverse
from .measures import receptive_fields, scan, selectivity
from .readout import feature_classifier, label_protocol

__all__ = ["BCM", "KrotovHopfield", "ROUTES", "THRESHOLDS", "feature_classifier", "hebbian", "hebbian_matrix",
           "label_protocol", "lateral_inverse", "rates", "receptive_fields", "route_status", "scan", "selectivity",
           "snt_network"]
