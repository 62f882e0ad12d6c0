"""What a benchmark's figures were measured on: the CPU, its vector units, cores, torch, GPU.

Two machines that both call themselves "AMD EPYC" can be of different generations, with
different vector units and speed, so the summary names the CPU's family and model and the
widest vector instructions torch's kernels use on it.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    """The CPU's model name, with its family and model numbers where Linux gives them."""
    info = Path("/proc/cpuinfo")
    if not info.exists():
        return platform.processor() or platform.machine()
    fields: dict[str, str] = {}
    for line in info.read_text().splitlines():
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
        if not line.strip() and fields:
            break
    name = fields.get("model name", platform.machine())
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


def machine_summary() -> dict[str, Any]:
    """What the figures were measured on."""
    import torch

    from synth.models.runtime import cpu_has_bf16_matmul

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    bf16 = cpu_has_bf16_matmul()
    cpu, vector = cpu_model(), torch.backends.cpu.get_cpu_capability()
    summary = f"{cpu}, {vector}, {platform.machine()}, {cores} CPU cores, torch {torch.__version__}"
    summary += ", CPU multiplies bf16 in hardware (AMX)" if bf16 else ", no bf16 matrix units (fp32)"
    return {
        "cpu": cpu,
        "vector": vector,
        "cores": cores,
        "gpu": gpu,
        "cpu_bf16_matmul": bf16,
        "summary": summary + (f", GPU {gpu}" if gpu else ", no GPU"),
    }
