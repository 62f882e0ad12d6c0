"""Our tabular VAE: a learned mixture prior and an any-order autoregressive decoder.

- ``config``: hyper-parameters; ``network``: the torch modules; ``training``: the fit loop;
  ``sampling``: latents, conditional sampling and decoding; ``model``: ``VAEModel``, the table
  protocol over them. The design and why: docs/model.md.
"""

from synth.models.vae.config import VAEConfig
from synth.models.vae.model import VAEModel
from synth.models.vae.network import TabularVAE

__all__ = ["TabularVAE", "VAEConfig", "VAEModel"]
