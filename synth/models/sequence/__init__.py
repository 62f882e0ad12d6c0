"""``--model sequence``: entities (accounts) with their ordered events (transactions).

- ``config``: hyper-parameters and the learned layout; ``tables``: the input tables checked and
  put in booking order; ``network``: the event GRU; ``training``: its fit loop; ``generation``:
  events drawn and assembled; ``model``: ``SequenceModel``. The design and why: docs/model.md.
"""

from synth.models.sequence.config import SequenceConfig
from synth.models.sequence.model import SequenceModel

__all__ = ["SequenceConfig", "SequenceModel"]
