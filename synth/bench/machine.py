"""What a benchmark's figures were measured on: architecture, cores, torch, GPU."""

from __future__ import annotations

import platform
from typing import Any


def machine_summary() -> dict[str, Any]:
    """What the figures were measured on."""
    import os

    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    from synth.models.runtime import cpu_has_bf16_matmul

    bf16 = cpu_has_bf16_matmul()
    summary = f"{platform.machine()}, {cores} CPU cores, torch {torch.__version__}"
    summary += ", CPU multiplies bf16 in hardware (AMX)" if bf16 else ", no bf16 matrix units (fp32)"
    return {
        "cores": cores,
        "gpu": gpu,
        "cpu_bf16_matmul": bf16,
        "summary": summary + (f", GPU {gpu}" if gpu else ", no GPU"),
    }
