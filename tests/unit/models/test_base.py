"""Model-protocol helpers: how device and precision settings resolve."""

import pytest
import torch

from synth.errors import ModelError
from synth.models.base import check_precision, cpu_has_bf16_matmul, use_bf16


def test_precision_settings_resolve():
    cpu = torch.device("cpu")
    assert use_bf16("bf16", cpu) and not use_bf16("fp32", cpu)
    assert use_bf16("auto", cpu) == cpu_has_bf16_matmul()
    assert use_bf16("auto", torch.device("cuda"))  # GPUs train and sample in bf16
    assert not use_bf16("fp32", torch.device("cuda"))
    with pytest.raises(ModelError, match="vae: precision must be auto, fp32 or bf16, not 'half'"):
        check_precision("half", "vae")
