"""Our VAE on a Parquet dataset larger than memory, and a large table drawn in chunks.

Fit reads the dataset twice, in record batches (pyarrow). The first pass counts every value of
every column exactly, merged over batches (a number past :data:`FEW_VALUES` values stops being
counted), and keeps a uniform sample of the rows (:data:`SAMPLE_ROWS`): the schema and the
numeric bins (quantiles) are fitted on the sample, categories and few-valued numbers on the
exact counts, so a value that only a few batches hold is still one. The second pass
encodes each batch into int16 tokens in a memory-mapped file; the network trains on that map,
gathering each batch from it (``VAEModel.fit_tokens``). Sampling draws chunks of rows, here or
on Dask workers, and appends each to one Parquet file, written under a temporary name and
renamed into place.

The second pass also holds out the privacy gate's rows and gathers what it needs of the
training rows (``synth.privacy.streamed``); a draw given that gate protects every chunk before
writing it, and publishes the file only if the gate passes.

The schema is inferred from the sample, and its rules are mined on it: the decoder masks
forbidden pairs while it draws, and each chunk's dependent columns are derived and any other
broken rows repaired before the gate sees it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from synth.errors import GateFailed, InputError
from synth.models.encoding import EncodingConfig, TableCode, fit_table
from synth.privacy.streamed import Gatherer, RealEvidence, StreamedGate
from synth.progress import Progress
from synth.rules.repair import keep_all
from synth.rules.select import rules_for
from synth.schema import Kind, infer_schema

SAMPLE_ROWS = 200_000
BATCH_ROWS = 262_144
CHUNK_ROWS = 500_000
MISSING = "\x00missing"
FEW_VALUES = 1_000  # distinct values counted exactly per column; past this a number is binned


def files(path: Path) -> list[Path]:
    """The dataset's Parquet files: ``path`` itself, or every ``*.parquet`` below a folder."""
    path = Path(path)
    found = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    if not found or not all(f.is_file() for f in found):
        raise InputError(f"{path}: no Parquet file (a streamed fit reads a file or a folder of them)")
    return found


def batches(path: Path, rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The dataset as frames of at most ``rows`` rows (:data:`BATCH_ROWS` unless given), read
    row group by row group: memory holds one batch, whatever the dataset's size.
    """
    import pyarrow.parquet as pq

    for file in files(path):
        for batch in pq.ParquetFile(file).iter_batches(batch_size=rows or BATCH_ROWS):
            yield batch.to_pandas()


def count_rows(path: Path) -> int:
    """Rows in the dataset, from the Parquet footers."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(file).metadata.num_rows for file in files(path))


def survey(
    path: Path, seed: int, progress: Progress | None = None
) -> tuple[pd.DataFrame, dict[str, pd.Series], int]:
    """One pass: a uniform sample of the rows, every text column's exact value counts (and every
    column's missing values, under :data:`MISSING`), and the number of rows.
    """
    total = count_rows(path)
    if total == 0:
        raise InputError(f"{path}: the dataset has no rows")
    share = min(1.0, SAMPLE_ROWS / total)
    rng = np.random.default_rng(seed)
    parts, counts, read = [], {}, 0
    for frame in batches(path):
        parts.append(frame.loc[rng.random(len(frame)) < share])
        read += len(frame)
        if progress:
            progress("count", read, total)
        for name in frame.columns:
            values = frame[name]
            many = name in counts and len(counts[name]) > FEW_VALUES  # a number of many values: bins
            found = values.value_counts() if not many else pd.Series(dtype="int64")
            found = pd.concat([found, pd.Series({MISSING: int(values.isna().sum())})])
            counts[name] = found if name not in counts else counts[name].add(found, fill_value=0)
    return pd.concat(parts, ignore_index=True), counts, total


def fit_encoding(sample: pd.DataFrame, counts: dict[str, pd.Series], config: EncodingConfig) -> tuple:
    """The schema and encoding: bins from the sample, category levels and missing values from
    the exact counts.
    """
    schema = infer_schema(sample, table="streamed")
    code = fit_table(sample, schema, config)
    for column in code.columns:
        seen = counts.get(column.name)
        if seen is None:
            continue
        column.has_na = column.has_na or bool(seen.get(MISSING, 0))
        present = seen.drop(index=[MISSING], errors="ignore")
        ordered = present[present > 0].sort_values(ascending=False, kind="stable").index.tolist()
        if column.kind in (Kind.CATEGORICAL.value, Kind.BOOLEAN.value):
            column.levels = ordered[: config.max_levels]
            column.tail = ordered[config.max_levels :]
        elif column.kind != Kind.DATETIME.value and not column.n_bins and len(ordered) <= FEW_VALUES:
            column.levels = [float(v) for v in ordered]  # a few-valued number: every value, exactly
    return schema, code


def encode_to_map(
    path: Path, code: TableCode, gatherer: Gatherer, folder: Path, seed: int, progress: Progress | None = None
) -> np.memmap:
    """The second pass: every batch's training rows (``gatherer`` holds the others out and
    gathers the gate's evidence) encoded into an int16 memory map (N, C) in ``folder``.
    """
    if max(code.vocab_sizes) > np.iinfo(np.int16).max:
        raise InputError(f"{path}: a column has too many tokens for the streamed encoding")
    rows = gatherer.total - len(gatherer.held)
    tokens = np.lib.format.open_memmap(folder / "tokens.npy", mode="w+", dtype=np.int16,
                                       shape=(rows, len(code.columns)))  # fmt: skip
    rng, start, written = np.random.default_rng(seed), 0, 0
    for frame in batches(path):
        train = gatherer.split(frame, start)
        tokens[written : written + len(train)] = code.encode(train, rng)
        start, written = start + len(frame), written + len(train)
        if progress:
            progress("encode", start, gatherer.total)
    tokens.flush()
    return tokens


def fit_streamed(model, path: Path, *, progress: Progress | None = None) -> RealEvidence:
    """Fit ``model`` (a ``VAEModel``) on the Parquet dataset at ``path``, less the privacy
    gate's holdout; returns the gate's evidence, with the schema. ``progress`` hears of every
    phase: ``count`` and ``encode`` per batch read, ``fit`` per epoch.
    """
    cfg = model.config
    sample, counts, total = survey(Path(path), cfg.seed, progress)
    schema, code = fit_encoding(sample, counts, EncodingConfig(n_bins=cfg.n_bins, max_exact=cfg.max_exact))
    schema = rules_for(sample, schema)  # mined on the sample: every draw keeps them
    gatherer = Gatherer(schema, total, cfg.seed)
    with tempfile.TemporaryDirectory(prefix="synth-tokens-") as folder:
        tokens = encode_to_map(Path(path), code, gatherer, Path(folder), cfg.seed, progress)
        model.fit_tokens(torch.from_numpy(tokens), code, schema, progress=progress)
        del tokens
    return gatherer.evidence()


def sample_to_parquet(
    model,
    n: int,
    out: Path,
    *,
    seed: int = 0,
    chunk: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    gate: StreamedGate | None = None,
    progress: Progress | None = None,
    repairs: dict[str, int] | None = None,
) -> Path:
    """Draw ``n`` rows in chunks into one Parquet file at ``out`` (a temporary name first).

    Chunk ``i`` is drawn with seed ``seed + i`` wherever it is drawn. With ``workers`` > 1 (a
    local Dask cluster of processes) or a ``scheduler`` address (``tcp://host:8786``), the
    chunks are drawn on Dask workers and appended here in order as they arrive, at most two
    per worker in flight: the file is the one a single process writes, and memory holds a few
    chunks, whatever ``n``.

    With a ``gate`` every chunk is protected before it is written (copies of training rows
    dropped, rare levels replaced), and the file is renamed into place only if the gate passes;
    otherwise it is removed and :class:`~synth.errors.GateFailed` names the failed checks.
    ``progress`` hears of every chunk drawn (``sample``).

    Every chunk keeps the model's rules before anything else sees it: the decoder already
    masks forbidden pairs; dependent columns are derived and the rows that break another rule
    repaired (:func:`~synth.rules.repair.keep_all`); ``repairs``, when given, is filled with
    the rows each rule changed.
    """
    out = Path(out)
    staging = out.with_name(f".{out.name}.partial")
    chunk = chunk or CHUNK_ROWS
    pieces = [(min(chunk, n - start), seed + index) for index, start in enumerate(range(0, n, chunk))]
    if workers <= 1 and scheduler is None:
        frames = (model.sample(size, seed=s) for size, s in pieces)
    else:
        frames = _drawn_on_dask(model, pieces, workers, scheduler)
    rules = model.schema.rules if model.schema is not None else ()  # unfitted: its sample() says so
    frames = _kept(_reported(frames, n, progress), rules, {} if repairs is None else repairs)
    _write(frames if gate is None else map(gate.protect, frames), staging)
    if gate is not None:
        result = gate.result()
        if not result.passed:
            staging.unlink(missing_ok=True)
            raise GateFailed(f"{out}: {result.summary()}", [asdict(c) for c in result.failed])
    staging.replace(out)
    return out


def _reported(frames: Iterator[pd.DataFrame], n: int, progress: Progress | None) -> Iterator[pd.DataFrame]:
    done = 0
    for frame in frames:
        done += len(frame)
        if progress:
            progress("sample", done, n)
        yield frame


def _kept(frames: Iterator[pd.DataFrame], rules, repairs: dict[str, int]) -> Iterator[pd.DataFrame]:
    for frame in frames:
        kept, counts = keep_all(frame, rules)
        for name, count in counts.items():
            repairs[name] = repairs.get(name, 0) + count
        yield kept


def _write(frames: Iterator[pd.DataFrame], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer = writer or pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _drawn_on_dask(model, pieces: list[tuple[int, int]], workers: int, scheduler: str | None):
    """Each piece's frame, in order, drawn on Dask workers (a local cluster unless ``scheduler``)."""
    from dask.distributed import Client, LocalCluster

    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
    try:
        with Client(scheduler or cluster) as client:
            shared = client.scatter(model, broadcast=True)
            window = 2 * max(1, len(client.nthreads()))
            futures = []
            for size, piece_seed in pieces:
                futures.append(client.submit(_draw_chunk, shared, size, piece_seed, pure=False))
                if len(futures) > window:
                    yield futures.pop(0).result()
            for future in futures:
                yield future.result()
    finally:
        if cluster is not None:
            cluster.close()


def _draw_chunk(model, size: int, seed: int) -> pd.DataFrame:
    """One chunk on a worker: one torch thread per single-threaded Dask worker process."""
    torch.set_num_threads(1)
    return model.sample(size, seed=seed)
