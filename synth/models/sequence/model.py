"""``--model sequence``: synthetic entities (accounts) with their ordered events (transactions),
behind the entity-with-events protocol (``synth.models.base.EntitySynthesizer``).

Fit: the tables are checked and put in booking order (``tables``); our tabular VAE learns one
row per entity (its context columns, number of events, first event's day, opening balance) and
keeps the entities' rules; the event network (``network``, ``training``) learns the events given
the entity. Sample: entities from the VAE, then their events (``generation``). A saved model is
plain weights and JSON, never pickled code. The design and why: docs/model.md.
"""

from __future__ import annotations

import json
import time as clock
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

from synth import events as ev
from synth.errors import ModelError, NotFittedError
from synth.models.base import Progress, typed_config
from synth.models.encoding import EncodingConfig, TableCode, fit_column, fit_table
from synth.models.kept import RuleKeeper
from synth.models.runtime import torch_device
from synth.models.sequence import generation, tables, training
from synth.models.sequence.config import GAP, Layout, SequenceConfig
from synth.models.sequence.network import EventNet
from synth.models.vae import VAEModel
from synth.rules.codec import RuleCodec
from synth.rules.repair import repair_all
from synth.rules.select import rules_for
from synth.schema import ColumnOverride, Kind, Schema, infer_schema

WEIGHTS_FILE = "events.pt"
STATE_FILE = "sequence.json"
ENTITY_DIR = "entities"


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value.item() if isinstance(value, np.generic) else value


class SequenceModel:
    """Entities and their ordered events (see module docstring)."""

    name: ClassVar[str] = "sequence"

    def __init__(self, **params: Any) -> None:
        self.config = typed_config(SequenceConfig, params, "sequence")
        self.schema: Schema | None = None
        self.layout: Layout | None = None
        self.code: TableCode | None = None
        self.entities: RuleKeeper | None = None
        self.net: EventNet | None = None
        self.history: dict[str, Any] = {}
        self.repairs: dict[str, int] = {}  # rows of the latest draw repaired per rule of the schema

    def params(self) -> dict[str, Any]:
        """Hyper-parameters (recorded in manifests)."""
        return asdict(self.config)

    def _device(self) -> torch.device:
        return torch_device(self.config.device, "sequence")

    def prepare(
        self, events: pd.DataFrame, schema: Schema, context: pd.DataFrame | None
    ) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, Layout]:
        """The checked tables as this model reads them (see ``tables.prepare``): events in booking
        order, their times, the entity table and the layout. Evaluation compares on these.
        """
        return tables.prepare(self.config, events, schema, context)

    def fit(
        self,
        table: pd.DataFrame,
        schema: Schema,
        *,
        context: pd.DataFrame | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Fit the entity model and the event model on events (and the entities' context).

        Rules in ``schema`` among the event columns are kept while sampling: a drawn event that
        breaks one is repaired before the balances are derived, and counted (``repairs``).
        """
        cfg = self.config
        started = clock.perf_counter()
        self.schema = schema
        booked, times, entities, self.layout = tables.prepare(cfg, table, schema, context)
        self._fit_entities(entities, context)
        frame = tables.event_frame(cfg, self.layout, schema, booked, times)
        event_schema = infer_schema(frame, table="events")
        self.code = fit_table(frame, event_schema, EncodingConfig(n_bins=cfg.n_bins))
        # every gap in days gets a token of its own: month ends and monthly orders need exact days
        self.code.columns[0] = fit_column(frame[GAP], event_schema[GAP], EncodingConfig(max_exact=100_000))
        rng = np.random.default_rng(cfg.seed)
        device = self._device()
        first = times.min().to_datetime64().astype("datetime64[D]")
        span = int((np.datetime64(self.layout.window_end) - first).astype(np.int64))
        self.layout.calendar = (str(first), span + int(frame[GAP].max()) + 400)
        padded = tables.pad(cfg, self.layout, self.code.encode(frame, rng), booked, times, entities)
        entity_tokens = self._entity_tokens(entities, rng)
        data = tuple(torch.from_numpy(a).to(device) for a in (*padded, entity_tokens))
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(cfg.seed)
            self.net = self._build_net().to(device)
            self.history = training.train(self.net, data, cfg, progress)
        self.history.update(
            fit_seconds=clock.perf_counter() - started, entities=len(entities), events=len(booked)
        )

    def _fit_entities(self, entities: pd.DataFrame, context: pd.DataFrame | None) -> None:
        """The entity VAE, keeping the entities' own rules; constant columns are kept aside."""
        cfg, key = self.config, ColumnOverride(kind=Kind.ID)
        constant = [
            c for c in entities.columns if c != cfg.entity_key and entities[c].nunique(dropna=False) == 1
        ]
        self.layout.constants = {c: _plain(entities[c].iloc[0]) for c in constant}
        entity_schema = infer_schema(
            entities.drop(columns=constant), table="entities", overrides={cfg.entity_key: key}
        )
        if context is not None:
            self.layout.context_schema = infer_schema(
                context, table="context", overrides={cfg.entity_key: key}
            ).to_dict()
        entity_schema = rules_for(entities, entity_schema)
        self.layout.entity_proposal_steps = int(min(300, max(20, len(entities) // 8)))
        vae = VAEModel(epochs=cfg.entity_epochs, seed=cfg.seed, device=cfg.device, batch_size=256,
                       proposal_steps=self.layout.entity_proposal_steps)  # fmt: skip
        self.entities = RuleKeeper(vae)
        self.entities.fit(entities, entity_schema)

    def _entity_tokens(self, entities: pd.DataFrame, rng: np.random.Generator | None = None) -> np.ndarray:
        """The entity VAE's tokens of whole entity rows (its rule codec's table, every row)."""
        codec = RuleCodec(self.entities.schema, native=VAEModel.keeps)
        return self.entities.inner.code.encode(codec.encode(entities, every_row=True), rng)

    def _build_net(self) -> EventNet:
        gap_days = [float(v) for v in self.code.columns[0].levels]
        entity_vocab = self.entities.inner.code.vocab_sizes
        return EventNet(
            self.code.vocab_sizes, entity_vocab, gap_days, tuple(self.layout.calendar), self.config
        )

    def sample_entities(
        self, n: int, *, seed: int = 0, progress: Progress | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``n`` synthetic entities (key + context columns) and their events in booking order."""
        self._check_fitted()
        if n < 1:
            raise ModelError(f"the number of entities must be positive, got {n}")
        drawn = self.entities.sample(n, seed=seed)
        return self._events_of(drawn, None, seed, progress)

    def sample_given(self, context: pd.DataFrame, conditions: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
        """Events of entities that exist already (a database's drawn accounts), in booking order.

        ``context`` holds each entity's key and context columns as they are (the anchor date
        among them, so events follow it); ``conditions`` what the entity model is conditioned
        on, row for row: the context's values as the model knows them and ``__n_events``.
        Only the entities' first-event day and opening balance are drawn.
        """
        self._check_fitted()
        modelled = {c.name for c in self.entities.schema.modelled}
        given = conditions[[c for c in conditions.columns if c in modelled]].reset_index(drop=True)
        drawn = self.entities.sample(len(context), given if len(given.columns) else None, seed=seed)
        for name in context.columns:
            drawn[name] = context[name].to_numpy()
        keys = context[self.config.entity_key].to_numpy()
        return self._events_of(drawn, keys, seed, None)[1]

    def _check_fitted(self) -> None:
        if self.net is None or self.layout is None or self.entities is None:
            raise NotFittedError("the model must be fitted before sampling; call fit() first")

    def _events_of(
        self, drawn: pd.DataFrame, keys: np.ndarray | None, seed: int, progress: Progress | None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        cfg, layout, n = self.config, self.layout, len(drawn)
        rng = np.random.default_rng(seed)
        generator = torch.Generator().manual_seed(seed)
        for name, value in layout.constants.items():
            drawn[name] = pd.Series([value] * n, dtype="datetime64[ns]" if name == layout.anchor else None)
        counts = drawn[ev.N_EVENTS].clip(1, cfg.max_events).to_numpy(dtype=np.int64)
        drawn[ev.N_EVENTS] = counts
        if layout.anchor is not None:
            offset = pd.to_timedelta(drawn[ev.START_OFFSET].clip(lower=0), unit="D")
            starts = (drawn[layout.anchor] + offset).to_numpy().astype("datetime64[D]")
        else:
            starts = drawn[ev.START].to_numpy().astype("datetime64[D]")
        entity_tokens = self._entity_tokens(drawn)
        opening = drawn[ev.OPENING].to_numpy(dtype=float) if layout.balance else np.zeros(n)
        rules = self.schema.rules
        entity_of, stamps, decoded = generation.draw_events(
            self.net,
            self.code,
            layout,
            entity_tokens,
            counts,
            starts,
            opening,
            rules,
            generator,
            rng,
            progress,
        )
        own = [r for r in rules if set(r.columns) <= set(decoded.columns)]
        decoded, self.repairs = repair_all(decoded, own, rules)
        return generation.assemble(cfg, layout, drawn, entity_of, stamps, decoded, rng, keys)

    def save_files(self, directory: Path) -> None:
        """Event weights as a state dict; layout, encodings and history as JSON; the entity VAE
        in ``entities/``. No pickled code.
        """
        if self.net is None or self.layout is None or self.entities is None:
            raise NotFittedError("the model must be fitted before it is saved; call fit() first")
        torch.save({k: v.detach().cpu() for k, v in self.net.state_dict().items()}, directory / WEIGHTS_FILE)
        payload = {"layout": asdict(self.layout), "encoding": self.code.to_dict(), "history": self.history}
        (directory / STATE_FILE).write_text(json.dumps(payload, default=float))
        (directory / ENTITY_DIR).mkdir()
        self.entities.save_files(directory / ENTITY_DIR)
        schema = json.dumps(self.entities.schema.to_dict())
        (directory / ENTITY_DIR / "schema.json").write_text(schema)
        inner = json.dumps(self.entities.model_schema.to_dict())
        (directory / ENTITY_DIR / "model_schema.json").write_text(inner)

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema) -> SequenceModel:
        """Rebuild from :meth:`save_files`; weights load with ``weights_only=True``."""
        model = cls(**params)
        payload = json.loads((directory / STATE_FILE).read_text())
        model.schema = schema
        model.layout = Layout(**payload["layout"])
        model.code = TableCode.from_dict(payload["encoding"])
        model.history = payload.get("history", {})
        entity_schema = Schema.from_dict(json.loads((directory / ENTITY_DIR / "schema.json").read_text()))
        inner_file = directory / ENTITY_DIR / "model_schema.json"
        inner_schema = (
            Schema.from_dict(json.loads(inner_file.read_text())) if inner_file.is_file() else entity_schema
        )
        vae_params = {"epochs": model.config.entity_epochs, "seed": model.config.seed, "batch_size": 256,
                      "proposal_steps": model.layout.entity_proposal_steps}  # fmt: skip
        model.entities = RuleKeeper.load(
            VAEModel, directory / ENTITY_DIR, {**vae_params, "device": "cpu"}, entity_schema, inner_schema
        )
        model.net = model._build_net()
        state = torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        model.net.load_state_dict(state)
        device = model._device()
        model.net.to(device)
        model.entities.inner.net.to(device)
        return model
