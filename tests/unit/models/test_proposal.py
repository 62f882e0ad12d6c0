"""The latent proposal learns where z lies given whichever columns are visible."""

import math

import torch

from synth.models.proposal import LatentProposal, fit_proposal, mixture_log_prob


def _pairs(generator: torch.Generator):
    """Rows of two columns; z's first coordinate is +2 or -2 as column 0's token is 1 or 0,
    its second is column 1's token (0, 1 or 2); noise 0.1."""

    def draw(n: int):
        first = torch.randint(0, 2, (n,), generator=generator)
        second = torch.randint(0, 3, (n,), generator=generator)
        tokens = torch.stack([first, second], 1)
        z = torch.stack([4.0 * tokens[:, 0] - 2, tokens[:, 1].float()], 1)
        return z + 0.1 * torch.randn(n, 2, generator=generator), tokens

    return draw


def test_proposal_recovers_the_posterior_of_any_visible_subset():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    proposal = LatentProposal([2, 3], d_model=32, d_latent=2, n_components=4)
    fit_proposal(proposal, _pairs(generator), steps=300, batch=512, generator=generator, lr=1e-2)

    both = proposal.context_of({0: torch.tensor([1, 0]), 1: torch.tensor([2, 0])}, 2)
    z = proposal.sample(proposal.mixture(both), 500, generator)  # (500, 2 rows, 2)
    assert torch.allclose(z.mean(0), torch.tensor([[2.0, 2.0], [-2.0, 0.0]]), atol=0.15)

    first_only = proposal.context_of({0: torch.tensor([1])}, 1)
    z = proposal.sample(proposal.mixture(first_only), 2000, generator)[:, 0]
    assert abs(float(z[:, 0].mean()) - 2) < 0.15  # known column: pinned
    assert abs(float(z[:, 1].mean()) - 1) < 0.2 and float(z[:, 1].std()) > 0.6  # unknown: spread

    nothing = proposal.mixture(proposal.context_of({}, 1))
    z = proposal.sample(nothing, 2000, generator)[:, 0]
    assert 0.3 < float((z[:, 0] > 0).float().mean()) < 0.7  # no column visible: both modes

    truth = torch.tensor([[2.0, 2.0]])
    wrong = torch.tensor([[-2.0, 2.0]])
    mixture = proposal.mixture(proposal.context_of({0: torch.tensor([1]), 1: torch.tensor([2])}, 1))
    assert proposal.log_prob(truth, mixture) > proposal.log_prob(wrong, mixture) + 10


def _direct(z, log_w, mean, log_std):
    diff = (z[..., None, :] - mean) / log_std.exp()
    log_n = -0.5 * diff.pow(2).sum(-1) - log_std.sum(-1) - 0.5 * z.shape[-1] * math.log(2 * math.pi)
    return torch.logsumexp(log_w + log_n, -1)


def test_mixture_log_prob_matches_the_direct_formula():
    torch.manual_seed(0)
    per_row = (torch.randn(3, 6).log_softmax(-1), torch.randn(3, 6, 4), torch.randn(3, 6, 4) - 3)  # tight
    z = torch.randn(5, 3, 4)  # 5 candidates for each of 3 rows
    assert torch.allclose(mixture_log_prob(z, *per_row), _direct(z, *per_row), rtol=1e-5, atol=1e-3)
    shared = (torch.randn(6).log_softmax(-1), torch.randn(6, 4), torch.randn(6, 4) * 0.5)
    z = torch.randn(7, 4)
    assert torch.allclose(mixture_log_prob(z, *shared), _direct(z, *shared), rtol=1e-5, atol=1e-4)


def test_mixture_log_prob_stays_exact_for_components_at_the_clamp():
    # 1/std^2 near 1e6: float32's expanded square would lose whole nats here
    torch.manual_seed(1)
    mean = torch.randn(3, 4) * 3
    log_std = torch.full((3, 4), -7.0)
    z = mean[torch.tensor([0, 1, 2, 0])] + 1e-3 * torch.randn(4, 4)
    expected = _direct(z.double(), torch.zeros(3).log_softmax(-1).double(), mean.double(), log_std.double())
    got = mixture_log_prob(z, torch.zeros(3).log_softmax(-1), mean, log_std)
    assert torch.allclose(got.double(), expected, atol=1e-3)
