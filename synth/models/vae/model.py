"""``--model vae``: the pipeline's own synthesizer behind the table protocol.

Fit encodes the table once into tokens on the device and trains the network
(``synth.models.vae.training``); the latent proposal that conditional sampling uses is fitted at
the first conditional draw. Sample draws latents and decodes tokens
(``synth.models.vae.sampling``). A saved model is plain weights and JSON, never pickled code.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from synth.errors import ModelError, NotFittedError
from synth.models.base import Conditions, typed_config
from synth.models.encoding import EncodingConfig, TableCode, fit_table
from synth.models.masks import Tables, forbidden_tables
from synth.models.proposal import LatentProposal
from synth.models.runtime import map_on_cores, torch_device, use_bf16
from synth.models.vae import sampling, training
from synth.models.vae.config import VAEConfig
from synth.models.vae.network import TabularVAE
from synth.progress import Progress
from synth.schema import Schema

WEIGHTS_FILE = "weights.pt"
PROPOSAL_FILE = "proposal.pt"
ENCODING_FILE = "encoding.json"
GPU_BATCH = 262_144  # rows decoded at once
CPU_BATCH = 8_192  # rows per chunk, one chunk per core at a time


class VAEModel:
    """A learned mixture prior and an any-order autoregressive decoder (docs/model.md)."""

    name: ClassVar[str] = "vae"
    keeps: ClassVar[tuple[str, ...]] = ("combination",)  # forbidden pairs masked while decoding

    def __init__(self, **params: Any) -> None:
        self.config = typed_config(VAEConfig, params, "vae")
        self.schema: Schema | None = None
        self.code: TableCode | None = None
        self.net: TabularVAE | None = None
        self.proposal: LatentProposal | None = None
        self._bf16_net: TabularVAE | None = None
        self._tables: Tables | None = None
        self.history: dict[str, Any] = {}

    def params(self) -> dict[str, Any]:
        """Hyper-parameters (recorded in manifests)."""
        return asdict(self.config)

    def _device(self) -> torch.device:
        return torch_device(self.config.device, "vae")

    def fit(self, table: pd.DataFrame, schema: Schema, *, progress: Progress | None = None) -> None:
        """Fit encodings and network; early-stops on a held-out ``val_share`` of ``table``."""
        cfg = self.config
        started = time.perf_counter()
        self.schema, self._bf16_net, self._tables = schema, None, None
        self.code = fit_table(table, schema, EncodingConfig(n_bins=cfg.n_bins, max_exact=cfg.max_exact))
        rng = np.random.default_rng(cfg.seed)
        tokens = torch.from_numpy(self.code.encode(table, rng)).to(self._device())  # (N, C), once
        self.fit_tokens(tokens, self.code, schema, progress=progress, started=started)

    def fit_tokens(
        self,
        tokens: torch.Tensor,
        code: TableCode,
        schema: Schema,
        *,
        progress: Progress | None = None,
        started: float | None = None,
    ) -> None:
        """Train on a table already encoded by ``code``: ``tokens`` (N, C) of any integer type,
        on the device or in memory mapped from disk (``synth.models.vae.streamed``); batches are
        gathered from it, the table itself is never copied.
        """
        cfg, device = self.config, self._device()
        started = time.perf_counter() if started is None else started
        self.schema, self.code, self._bf16_net, self._tables = schema, code, None, None
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(cfg.seed)
            self.net = TabularVAE(self.code.vocab_sizes, cfg).to(device)
            trainer = training.train if cfg.dp_epsilon is None else training.train_private
            self.history = trainer(self.net, tokens, cfg, progress)
        self.proposal = None  # fitted at the first conditional draw: see _fit_proposal
        self.history["fit_seconds"] = time.perf_counter() - started

    def sample(
        self,
        n: int,
        conditions: Conditions | None = None,
        *,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Draw ``n`` rows; ``conditions`` fix columns exactly (one value, or one row per row)."""
        if self.net is None or self.code is None:
            raise NotFittedError("the model must be fitted before sampling; call fit() first")
        fixed_tokens, fixed_values = sampling.condition_tokens(self.code, n, conditions)
        tokens = self._draw_tokens(n, fixed_tokens, seed, progress)
        frame = self.code.decode(tokens, np.random.default_rng(seed))
        for name, values in fixed_values.items():
            frame[name] = values
        return self.schema.conform(frame, modelled_only=True)  # the input's dtypes: ints stay ints

    def _draw_tokens(self, n: int, fixed_tokens: dict, seed: int, progress: Progress | None) -> np.ndarray:
        """Tokens (n, C) of ``n`` rows, in chunks with seeds of their own, side by side on a CPU's
        cores (``runtime.map_on_cores``): the same seed gives the same rows on any number of cores.
        """
        device = next(self.net.parameters()).device
        fixed_cols = sorted(fixed_tokens)
        free = [c for c in range(len(self.code.columns)) if c not in fixed_tokens]
        batch = GPU_BATCH if device.type == "cuda" else CPU_BATCH
        if fixed_tokens:  # each row weighs condition_draws latents: keep the working set as large
            batch = max(1024, min(batch, batch * 4 // self.config.condition_draws))
        net = self._inference_net(device)
        if fixed_tokens and self.proposal is None and self.config.proposal_steps:
            self._fit_proposal(device, progress)
        tables = self._forbidden(device)
        net.padded_head()  # built once, here, not by every worker at once
        chunks = sampling.chunks(n, batch, torch.Generator().manual_seed(seed))

        def draw_chunk(chunk: tuple[int, int, int]) -> np.ndarray:
            start, size, chunk_seed = chunk
            chunk_generator = torch.Generator().manual_seed(chunk_seed)
            fixed = {c: t[start : start + size].to(device) for c, t in fixed_tokens.items()}
            with torch.no_grad():
                z = sampling.latents(self.config, net, self.net, self.proposal, size, fixed, chunk_generator)
                tokens = sampling.decode(
                    self.config, net, z, fixed_cols, free, fixed, chunk_generator, tables
                )
            return tokens.cpu().numpy()

        def done(index: int) -> None:
            if progress:
                progress("sample", chunks[index][0] + chunks[index][1], n)

        parts = map_on_cores(draw_chunk, chunks, device, done)
        return np.concatenate(parts) if parts else np.empty((0, len(self.code.columns)), dtype=np.int64)

    def _fit_proposal(self, device: torch.device, progress: Progress | None) -> None:
        """The latent proposal, fitted when a conditional draw first needs it, from the network
        and the seed alone (so a loaded model fits the same one): unconditional draws, most of
        them, never pay for it.
        """
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(self.config.seed + 1)
            self.proposal, self.history["proposal_loss"] = sampling.fit_latent_proposal(
                self.config, self._inference_net(device), self.code, progress
            )

    def _forbidden(self, device: torch.device) -> Tables:
        """The forbidden pairs' token masks, built once per fitted model."""
        if self._tables is None:
            self._tables = forbidden_tables(self.schema.rules, self.code, device)
        return self._tables

    def _inference_net(self, device: torch.device) -> TabularVAE:
        """The network sampling runs: a bf16 copy where bf16 is the precision (one cast, not one
        per call as autocast does), else the net itself.
        """
        self.net.eval()
        if not use_bf16(self.config.precision, device):
            return self.net
        if self._bf16_net is None:
            self._bf16_net = copy.deepcopy(self.net).to(torch.bfloat16).eval()
        return self._bf16_net

    def save_files(self, directory: Path) -> None:
        """Weights as a plain state dict; encodings and history as JSON. No pickled code."""
        if self.net is None or self.code is None:
            raise NotFittedError("the model must be fitted before it is saved; call fit() first")
        torch.save(_plain_state(self.net), directory / WEIGHTS_FILE)
        if self.proposal is not None:
            torch.save(_plain_state(self.proposal), directory / PROPOSAL_FILE)
        payload = {"encoding": self.code.to_dict(), "history": self.history}
        (directory / ENCODING_FILE).write_text(json.dumps(payload, default=float))

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema) -> VAEModel:
        """Rebuild from :meth:`save_files`; weights load with ``weights_only=True``."""
        model = cls(**params)
        payload = json.loads((directory / ENCODING_FILE).read_text())
        model.schema = schema
        model.code = TableCode.from_dict(payload["encoding"])
        model.history = payload.get("history", {})
        model.net = TabularVAE(model.code.vocab_sizes, model.config)
        _load_state(model.net, directory / WEIGHTS_FILE, "its weights do not fit")
        model.net.to(model._device())
        if model.config.proposal_steps and (directory / PROPOSAL_FILE).exists():
            model.proposal = LatentProposal(
                model.code.vocab_sizes, model.config.d_model, model.config.d_latent
            )
            _load_state(model.proposal, directory / PROPOSAL_FILE, "its latent proposal does not fit")
            model.proposal.to(model._device()).eval()
        return model


def _plain_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu() for k, v in module.state_dict().items()}


def _load_state(module: torch.nn.Module, path: Path, problem: str) -> None:
    try:
        module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    except (FileNotFoundError, RuntimeError):
        raise ModelError(
            f"{path.parent}: {problem} this version's vae network (saved by an older synth?); "
            "fit the model again"
        ) from None
