"""Model-protocol helpers: how device and precision settings resolve."""

import pytest
import torch

from synth.errors import ModelError
from synth.models.runtime import check_precision, cpu_has_bf16_matmul, one_cycle, use_bf16


def test_precision_settings_resolve():
    cpu = torch.device("cpu")
    assert use_bf16("bf16", cpu) and not use_bf16("fp32", cpu)
    assert use_bf16("auto", cpu) == cpu_has_bf16_matmul()
    assert use_bf16("auto", torch.device("cuda"))  # GPUs train and sample in bf16
    assert not use_bf16("fp32", torch.device("cuda"))
    with pytest.raises(ModelError, match="vae: precision must be auto, fp32 or bf16, not 'half'"):
        check_precision("half", "vae")


@pytest.mark.parametrize("total", [1, 2, 3, 4, 9, 10, 11, 20, 97])
def test_one_cycle_runs_any_length_and_peaks_at_the_rate(total):
    # OneCycleLR itself divides by zero at exactly ten steps (warm-up of one step)
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([weight], lr=0.01)
    schedule = one_cycle(optimizer, 0.01, total)
    rates = []
    for _ in range(total):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert max(rates) == pytest.approx(0.01, rel=0.02)
    if total >= 4:
        assert rates[0] < 0.01 and rates[-1] < 0.01  # warm-up and annealing both happen


def test_the_optimiser_is_fused_and_the_allocator_keeps_freed_blocks():
    import sys

    from synth.models.runtime import adamw, keep_freed_memory

    layer = torch.nn.Linear(4, 2)
    optimizer = adamw(layer.parameters(), 0.01, 0.0)
    assert optimizer.defaults["fused"] is True
    layer(torch.ones(3, 4)).sum().backward()
    before = layer.weight.detach().clone()
    optimizer.step()
    assert not torch.equal(before, layer.weight)
    if sys.platform.startswith("linux"):  # glibc (the CI image): mallopt accepts both settings
        assert keep_freed_memory() is True
