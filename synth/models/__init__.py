"""Models behind one protocol: SDV's synthesizers and our own, as peers."""

from synth.models.base import MODEL_NAMES, Synthesizer
from synth.models.registry import build, load, save

__all__ = ["MODEL_NAMES", "Synthesizer", "build", "load", "save"]
