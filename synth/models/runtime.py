"""Where and how a torch model runs: the device, the precision, the optimiser and its schedule.

Kept apart from the model protocol (``synth.models.base``) so that code that only needs a device
or a schedule (the latent proposal, the sequence model) does not import the protocol's registry.
"""

from __future__ import annotations

import ctypes
import functools
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from synth.errors import ModelError

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_CORES = threading.Lock()  # one map over the cores at a time: each sets the process's thread count
T = TypeVar("T")
R = TypeVar("R")


def check_device(setting: str, model: str) -> None:
    """A device setting is ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; anything else is refused."""
    if setting not in ("auto", "cpu", "cuda") and not setting.startswith("cuda:"):
        raise ModelError(f"{model}: device must be auto, cpu or cuda, not '{setting}'")


@functools.cache
def keep_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed blocks of up to 32 MiB for reuse (once per process).

    By default glibc hands every block over 128 KiB straight back to the system, so each training
    step's activations came from fresh pages, faulted in one by one (docs/benchmarks.md). The
    process keeps its peak heap instead, which the next step reuses. False where the C library
    is not glibc (nothing changes there).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))


def adamw(params, lr: float, weight_decay: float):
    """AdamW with torch's fused kernel (CPU and CUDA): one kernel a step instead of a few per
    parameter.
    """
    import torch

    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=True)


def torch_device(setting: str, model: str):
    """The torch device a setting names (``auto``: a CUDA GPU when there is one). Every model
    asks for its device before it fits or samples, so the allocator is tuned here too.
    """
    import torch

    keep_freed_memory()
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if setting.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"{model}: device 'cuda' was asked for but no CUDA GPU is available")
    return torch.device(setting)


PRECISIONS = ("auto", "fp32", "bf16")


def check_precision(setting: str, model: str) -> None:
    """A precision setting is ``auto``, ``fp32`` or ``bf16``; anything else is refused."""
    if setting not in PRECISIONS:
        raise ModelError(f"{model}: precision must be auto, fp32 or bf16, not '{setting}'")


def cpu_has_bf16_matmul() -> bool:
    """Whether this CPU multiplies bf16 matrices in hardware (Intel AMX tiles).

    There bf16 matrix products run several times faster than fp32 ones; on other CPUs bf16 is
    emulated and slower than fp32, so ``auto`` precision stays fp32 there. The check is a private
    torch function, hence the fallback.
    """
    import torch

    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    try:
        return bool(probe()) if probe else False
    except RuntimeError:
        return False


def use_bf16(setting: str, device) -> bool:
    """Resolve a precision setting on a device: ``auto`` is bf16 on CUDA and on AMX CPUs."""
    if setting != "auto":
        return setting == "bf16"
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_bf16_matmul())


def one_cycle(optimizer, max_lr: float, total_steps: int):
    """PyTorch's OneCycleLR with a 10 % warm-up, for a run of any length.

    OneCycleLR divides by (warm-up steps - 1), so a run of exactly ten steps (ten epochs of a
    table that fits one batch) crashed with a ZeroDivisionError: the warm-up is at least two
    steps. Runs of under four steps are too short for a cycle and keep a constant rate.
    """
    import torch

    if total_steps < 4:
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=max_lr, total_steps=total_steps, pct_start=max(0.1, 2 / total_steps)
    )


def map_on_cores(
    fn: Callable[[T], R], items: Sequence[T], device, done: Callable[[int], None] | None = None
) -> list[R]:
    """``[fn(item) for item in items]``, on a CPU one item per core at a time, each with one torch
    thread; ``done(i)`` is called as item ``i``'s result arrives, in order.

    Why: a sampling step's operators are small (thousands of rows by tens of columns) and gain
    little from torch splitting each over the cores, which then wait for each other and for
    Python between operators; independent chunks, one per core, drew faster
    (docs/benchmarks.md). ``fn`` runs on other threads, where autograd is on again: it must say
    ``torch.no_grad()`` itself. The process's torch thread count is 1 while the items run, and
    restored after; a second map started meanwhile on another thread waits for the first. On a
    GPU, with one thread, or inside an item, the items run here, in turn.
    """
    import torch

    if device.type != "cpu" or min(torch.get_num_threads(), len(items)) < 2:
        return [_report(fn(item), i, done) for i, item in enumerate(items)]
    with _CORES:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(min(threads, len(items))) as pool:
                return [_report(result, i, done) for i, result in enumerate(pool.map(fn, items))]
        finally:
            torch.set_num_threads(threads)


def _report(result: R, index: int, done: Callable[[int], None] | None) -> R:
    if done is not None:
        done(index)
    return result
