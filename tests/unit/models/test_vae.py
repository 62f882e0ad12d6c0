"""Our VAE: fitted once per module on a real sample with tiny settings, then probed."""

import numpy as np
import pandas as pd
import pytest
import torch

from synth.errors import ModelError, NotFittedError
from synth.evaluation.fidelity import evaluate_fidelity
from synth.models import build, integrity, load, save
from synth.models.vae import model as vae_model
from synth.models.vae.config import VAEConfig
from synth.models.vae.network import TabularVAE
from synth.models.vae.sampling import chunks, random_orders
from synth.schema import infer_schema
from tests.conftest import TINY_VAE


@pytest.fixture(scope="module")
def fitted(mixed_table):
    schema = infer_schema(mixed_table, table="mixed")
    model = build("vae", **{**TINY_VAE, "epochs": 40, "batch_size": 128, "d_model": 48})
    model.fit(mixed_table, schema)
    return model, schema


def test_samples_every_column_type(fitted, mixed_table):
    model, schema = fitted
    out = model.sample(500, seed=1)
    assert list(out.columns) == [c.name for c in schema.modelled]
    assert set(out["income"].unique()) <= set(mixed_table["income"].unique())
    assert (out["age"] % 1 == 0).all()
    assert out["age"].between(mixed_table["age"].min(), mixed_table["age"].max()).all()
    assert out["hours_ratio"].isna().any() and out["hours_ratio"].notna().any()
    assert out["is_male"].dtype == bool
    assert pd.api.types.is_datetime64_any_dtype(out["seen"])


def test_same_seed_same_rows_other_seed_other_rows(fitted):
    model, _ = fitted
    a, b, c = model.sample(300, seed=5), model.sample(300, seed=5), model.sample(300, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_the_same_seed_draws_the_same_rows_on_any_number_of_cores(fitted, monkeypatch):
    model, _ = fitted
    monkeypatch.setattr(vae_model, "CPU_BATCH", 64)  # 300 rows: 5 chunks, drawn side by side
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = model.sample(300, seed=5)
        torch.set_num_threads(2)
        side_by_side = model.sample(300, seed=5)
    finally:
        torch.set_num_threads(before)
    pd.testing.assert_frame_equal(alone, side_by_side)
    progress = []
    model.sample(300, seed=5, progress=lambda *step: progress.append(step))
    assert [done for phase, done, _ in progress if phase == "sample"] == [60, 120, 180, 240, 300]


def test_chunks_are_equal_and_cover_the_rows_once():
    generator = torch.Generator().manual_seed(0)
    parts = chunks(26_049, 8_192, generator)
    assert [size for _, size, _ in parts] == [6_513, 6_512, 6_512, 6_512]
    assert [start for start, _, _ in parts] == [0, 6_513, 13_025, 19_537]
    assert len({seed for _, _, seed in parts}) == 4
    assert parts == chunks(26_049, 8_192, torch.Generator().manual_seed(0))
    assert chunks(0, 8_192, generator) == []


def test_save_load_gives_identical_samples(fitted, tmp_path):
    model, _ = fitted
    save(model, tmp_path / "m")
    assert not list((tmp_path / "m").glob("*.pkl"))
    torch.load(tmp_path / "m" / "weights.pt", weights_only=True)  # a plain state dict
    again = load(tmp_path / "m")
    pd.testing.assert_frame_equal(model.sample(200, seed=2), again.sample(200, seed=2))
    rich = {"income": ">50K"}  # conditioned rows also read the saved latent proposal
    pd.testing.assert_frame_equal(model.sample(200, rich, seed=2), again.sample(200, rich, seed=2))


def test_weights_of_another_network_are_one_clear_error(fitted, tmp_path):
    model, _ = fitted
    save(model, tmp_path / "m")
    weights = tmp_path / "m" / "weights.pt"
    state = torch.load(weights, weights_only=True)
    state["prefix_proj"] = torch.zeros(3, 24, 8)  # as saved by the older decoder of projections
    torch.save(state, weights)
    integrity.sign(tmp_path / "m")  # a folder this installation signed, of an older network
    with pytest.raises(ModelError, match="do not fit this version's vae network"):
        load(tmp_path / "m")


def test_the_latent_proposal_is_fitted_at_the_first_conditional_draw(fitted, tmp_path):
    model, _ = fitted
    rich = {"income": ">50K"}
    expected = model.sample(100, rich, seed=4)
    assert model.inner.proposal is not None and "proposal_loss" in model.inner.history
    save(model, tmp_path / "m")
    (tmp_path / "m" / "proposal.pt").unlink()  # as saved before any conditional draw
    integrity.sign(tmp_path / "m")
    again = load(tmp_path / "m")
    assert again.inner.proposal is None
    pd.testing.assert_frame_equal(again.sample(100, rich, seed=4), expected)  # the same proposal


def test_a_latent_proposal_of_another_network_is_one_clear_error(fitted, tmp_path):
    model, _ = fitted
    model.sample(10, {"income": ">50K"}, seed=0)
    save(model, tmp_path / "m")
    state = torch.load(tmp_path / "m" / "proposal.pt", weights_only=True)
    del state["embed.weight"]
    torch.save(state, tmp_path / "m" / "proposal.pt")
    integrity.sign(tmp_path / "m")
    with pytest.raises(ModelError, match="latent proposal does not fit"):
        load(tmp_path / "m")


def test_conditional_sampling_is_exact_and_shifts_the_rest(fitted, mixed_table):
    model, _ = fitted
    rich = model.sample(2000, {"income": ">50K"}, seed=0)
    poor = model.sample(2000, {"income": "<=50K"}, seed=0)
    assert (rich["income"] == ">50K").all() and len(rich) == 2000
    # the real data: high earners are older and more often married; the model must follow
    assert rich["age"].mean() > poor["age"].mean() + 2
    both = model.sample(300, {"income": ">50K", "sex": "Female"}, seed=0)
    assert (both["sex"] == "Female").all() and (both["income"] == ">50K").all()


def test_conditioned_latents_follow_the_conditions(fitted, mixed_table):
    """Fixing a column also moves the latent: with one prior draw per row instead, the free
    columns drift towards their marginals. Both the resampling (several prior candidates) and
    the learned proposal (one candidate from it) must each correct that.
    """
    model, _ = fitted
    vae = model.inner
    real = mixed_table.loc[mixed_table["income"] == ">50K", "marital-status"].eq("Married-civ-spouse").mean()
    model.sample(10, {"income": ">50K"}, seed=0)  # fits the proposal
    proposal, default, steps, share = vae.proposal, vae.config.condition_draws, vae.config.proposal_steps, {}
    for name, draws, with_proposal in (("prior", 1, False), ("resampled", 16, False), ("proposal", 1, True)):
        vae.config.condition_draws, vae.proposal = draws, proposal if with_proposal else None
        vae.config.proposal_steps = steps if with_proposal else 0
        rich = model.sample(3000, {"income": ">50K"}, seed=0)
        share[name] = rich["marital-status"].eq("Married-civ-spouse").mean()
    vae.config.condition_draws, vae.proposal, vae.config.proposal_steps = default, proposal, steps
    assert abs(share["resampled"] - real) < abs(share["prior"] - real) - 0.03
    assert abs(share["proposal"] - real) < abs(share["prior"] - real) - 0.03
    again = [model.sample(500, {"income": ">50K"}, seed=3) for _ in range(2)]
    pd.testing.assert_frame_equal(*again)  # the resampling is seeded too


def test_per_row_conditions_and_errors(fitted):
    model, _ = fitted
    wanted = pd.DataFrame({"income": [">50K"] * 700 + ["<=50K"] * 700})
    out = model.sample(1400, wanted, seed=0)
    assert out["income"].tolist() == wanted["income"].tolist()
    # each block of rows decodes in its own column order: the free columns must follow their own
    # row's condition, not a neighbouring block's
    rich, poor = out["income"] == ">50K", out["income"] == "<=50K"
    assert out.loc[rich, "age"].mean() > out.loc[poor, "age"].mean() + 2
    with pytest.raises(ModelError, match="not seen in training"):
        model.sample(10, {"income": "millions"})
    with pytest.raises(ModelError, match="'shoe_size' is not a modelled column"):
        model.sample(10, {"shoe_size": 42})


def test_unfitted_and_bad_params():
    with pytest.raises(NotFittedError):
        build("vae").sample(5)
    with pytest.raises(ModelError, match="unknown parameter"):
        build("vae", wings=2)
    with pytest.raises(ModelError, match="device"):
        build("vae", device="tpu")
    with pytest.raises(ModelError, match="precision must be auto, fp32 or bf16, not 'fp16'"):
        build("vae", precision="fp16")
    with pytest.raises(ModelError, match="d_model must be at least 1"):
        build("vae", d_model=0)
    with pytest.raises(ModelError, match="n_blocks must not be negative"):
        build("vae", n_blocks=-1)
    with pytest.raises(ModelError, match="proposal_share must be in"):
        build("vae", proposal_share=1.5)
    with pytest.raises(ModelError, match=r"any_order_share must be in \[0, 1\]"):
        build("vae", any_order_share=-0.1)
    with pytest.raises(ModelError, match="sample_order must be 'random' or 'canonical', not 'sideways'"):
        build("vae", sample_order="sideways")


def test_runs_of_exactly_ten_steps_fit(mixed_table):
    # ten epochs of one batch, and a ten-step proposal: PyTorch's OneCycleLR crashed on both
    small = mixed_table.head(150)
    model = build("vae", **{**TINY_VAE, "epochs": 10, "proposal_steps": 10, "d_model": 16})
    model.fit(small, infer_schema(small, table="small"))
    assert model.history["epochs_run"] == 10
    assert (model.sample(20, {"sex": "Female"}, seed=0)["sex"] == "Female").all()


def test_bf16_and_fp32_sampling_agree_and_are_reproducible(fitted, mixed_table):
    """bf16 sampling (the default on AMX CPUs and GPUs) draws from the same distribution as
    fp32: the same model's two samples are as close to each other as to a reseeded fp32 draw.
    """
    model, schema = fitted
    draws = {}
    for precision in ("fp32", "bf16"):
        model.inner.config.precision = precision
        draws[precision] = model.sample(3000, seed=3)
        pd.testing.assert_frame_equal(draws[precision], model.sample(3000, seed=3))
    model.inner.config.precision = "fp32"
    reseeded = model.sample(3000, seed=4)
    model.inner.config.precision = "auto"
    across = evaluate_fidelity(draws["fp32"], draws["bf16"], schema)
    within = evaluate_fidelity(draws["fp32"], reseeded, schema)
    assert across.column_shapes > within.column_shapes - 0.02
    assert across.pair_trends > within.pair_trends - 0.02
    assert not draws["fp32"].equals(draws["bf16"])  # the bf16 path really ran


def test_random_orders_and_schema_order_draw_the_same_table(fitted):
    """By default each block of sampled rows decodes in its own random column order (an
    ensemble of the factorisations the decoder learned). The two draw one distribution: a
    random-order sample is as close to a schema-order sample as a reseeded one is.
    """
    model, schema = fitted
    model.inner.config.sample_order = "canonical"
    canonical, reseeded = model.sample(3000, seed=3), model.sample(3000, seed=4)
    model.inner.config.sample_order = "random"
    mixed = model.sample(3000, seed=3)
    pd.testing.assert_frame_equal(mixed, model.sample(3000, seed=3))
    across = evaluate_fidelity(canonical, mixed, schema)
    within = evaluate_fidelity(canonical, reseeded, schema)
    assert across.column_shapes > within.column_shapes - 0.02
    assert across.pair_trends > within.pair_trends - 0.02
    assert not mixed.equals(canonical)  # the random orders really ran


def test_beats_independent_columns_on_pair_trends(adult, adult_schema):
    """Quality: the model must carry dependencies that per-column sampling loses."""
    model = build("vae", **{**TINY_VAE, "epochs": 15, "d_model": 64})
    model.fit(adult, adult_schema)
    synthetic = model.sample(len(adult), seed=0)
    rng = np.random.default_rng(0)
    independent = pd.DataFrame({c: rng.permutation(adult[c].to_numpy()) for c in adult.columns})
    ours = evaluate_fidelity(adult, synthetic, adult_schema)
    baseline = evaluate_fidelity(adult, independent, adult_schema)
    assert ours.pair_trends > baseline.pair_trends + 0.02
    assert ours.column_shapes > 0.9


def test_samples_keep_the_input_dtypes(fitted, mixed_table):
    model, _ = fitted
    out = model.sample(300, seed=2)
    for name in out.columns:
        assert out[name].dtype == mixed_table[name].dtype, name


def test_sampling_reads_what_training_computes(fitted):
    # training computes every column's input at once from an order mask; sampling adds each
    # decoded column's embedding to a running sum: the logits must agree, in any order
    model, _ = fitted
    net = model.inner.net.eval()
    generator = torch.Generator().manual_seed(0)
    n, n_cols = 64, len(net.vocab_sizes)
    z = net.sample_prior(n, generator)
    tokens = net.sample(z, list(range(n_cols)), {}, generator)
    order = torch.randperm(n_cols, generator=generator).tolist()
    keys = torch.empty(1, n_cols)
    keys[0, order] = torch.arange(n_cols, dtype=torch.float32)
    with torch.no_grad():
        y = net.norm(net.column_mlp(net._decoder_inputs(tokens, keys, z)))  # (C, n, D)
        h, decoded = net._start(z)
        for col in order:
            torch.testing.assert_close(net._next_logits(h, decoded, col), net.column_logits(y[col], col))
            decoded += net.dec_embed(tokens[:, col] + net.offsets[col])


def test_grouped_logits_equal_each_groups_own_column(fitted):
    # random-order sampling scores every group's column in one batched product; it must equal
    # scoring each group's column on its own, from the same partly decoded rows
    model, _ = fitted
    net = model.inner.net.eval()
    generator = torch.Generator().manual_seed(0)
    z = net.sample_prior(4 * 32, generator)
    with torch.no_grad():
        h, decoded = net._start(z)
        decoded.normal_(generator=generator)  # as if some columns were decoded
        cols = torch.tensor([3, 0, 5, 3])
        grouped = net._grouped_logits((h + decoded).view(4, 32, -1), cols, net.padded_head())
        for g, col in enumerate(cols.tolist()):
            rows = slice(32 * g, 32 * (g + 1))
            alone = net._next_logits(h[rows], decoded[rows], col)
            torch.testing.assert_close(grouped[g, :, : alone.shape[1]], alone)
            assert torch.isneginf(grouped[g, :, alone.shape[1] :]).all()  # padding is never drawn


def test_grouped_logits_narrowed_to_a_step_width_keep_the_first_columns():
    net = TabularVAE([2, 5, 9], VAEConfig(d_model=16, column_hidden=8))
    h = torch.randn(3, 4, 16)
    cols = torch.tensor([0, 1, 0])
    full = net._grouped_logits(h, cols, net.padded_head())
    torch.testing.assert_close(net._grouped_logits(h, cols, net.padded_head(), 5), full[..., :5])
    assert net.padded_head() is net.padded_head()  # built once while the weights stay the same
    with torch.no_grad():
        net.head.bias.add_(1.0)
    assert torch.equal(net.padded_head()[1][0, :2], net.head.bias[:2])  # and again when they change


def test_random_orders_are_independent_uniform_permutations():
    free = [0, 2, 3, 4, 5, 6]
    generator = torch.Generator().manual_seed(0)
    orders = torch.cat([random_orders(free, 8, generator) for _ in range(2_000)])  # (16,000, 6)
    assert (orders.sort(1).values == torch.tensor(free)).all()
    first = torch.stack([(orders[:, 0] == c).float().mean() for c in free])
    assert (first - 1 / 6).abs().max() < 0.02  # each column opens an order as often as any other
    same_batch = orders.view(2_000, 8, 6)[:, :2, 0]  # two groups of one batch open alike by chance
    assert abs((same_batch[:, 0] == same_batch[:, 1]).float().mean() - 1 / 6) < 0.03


@pytest.mark.slow
def test_early_stopping_needs_enough_validation_rows(adult, adult_schema):
    # 5 % of 300 rows is 15: too few to judge a stop by, so none are held out
    small = build("vae", **{**TINY_VAE, "epochs": 1})
    small.fit(adult.head(300), adult_schema)
    assert small.history["validation_rows"] == 0
    large = build("vae", **{**TINY_VAE, "epochs": 1})
    large.fit(adult.head(1000), adult_schema)
    assert large.history["validation_rows"] == 50


def test_a_categorical_draw_follows_the_softmax_and_never_draws_a_masked_value():
    from synth.models.vae.network import draw_categorical

    never = float("-inf")
    logits = torch.tensor([[0.0, 1.0, 2.0, never], [never, 0.0, never, never]])
    generator = torch.Generator().manual_seed(0)
    draws = draw_categorical(logits.expand(20_000, 2, 4), generator)  # (20000, 2)
    shares = torch.bincount(draws[:, 0], minlength=4).float() / 20_000
    assert torch.allclose(shares, torch.softmax(logits[0], 0), atol=0.015) and shares[3] == 0
    assert (draws[:, 1] == 1).all()
