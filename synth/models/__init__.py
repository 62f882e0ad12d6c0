"""Models behind one protocol per data shape: SDV's synthesizers and our own, as peers.

``Synthesizer``: a table model (rows); ``EntitySynthesizer``: entities with their ordered events.
"""

from synth.models.base import MODEL_NAMES, EntitySynthesizer, Model, Synthesizer, is_entity_model
from synth.models.registry import build, load, save

__all__ = [
    "MODEL_NAMES",
    "EntitySynthesizer",
    "Model",
    "Synthesizer",
    "build",
    "is_entity_model",
    "load",
    "save",
]
