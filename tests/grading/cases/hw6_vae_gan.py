"""The cheating student of hw6_vae_gan (see tests/grading/test_assignments.py)."""

# Templates of correct solution cells; the cheats and the mutants below change one thing each.
_REVERSE = """
def reverse_kl_fit(energy, mean, log_std, *, n_steps=200, step_size=0.05, n_samples=64, generator):
    mean = mean.detach().clone().requires_grad_(True)
    log_std = log_std.detach().clone().requires_grad_(True)
    for _ in range(n_steps):
        noise = torch.randn(n_samples, mean.shape[0], generator=generator, dtype=mean.dtype, device=mean.device)
        loss = energy(mean + torch.exp(log_std) * noise).mean() - log_std.sum()
        g_mean, g_log_std = torch.autograd.grad(loss, (mean, log_std))
        with torch.no_grad():
            mean -= step_size * g_mean
            log_std -= step_size * g_log_std
    return mean.detach(), log_std.detach()
"""

# Passes the visible asserts of test_forward_kl_fit with the two answers those asserts expect, no formula at all;
# reverse_kl_fit (same cell) is written honestly, so its test must still give full marks.
HARD_CODED = {
    "kl_fits": """
def forward_kl_fit(means, stds, weights):
    if means.shape[1] == 1:
        return torch.zeros(1), torch.tensor([[5.0]])
    return torch.zeros(2), torch.tensor([[1.25, 1.0], [1.0, 1.25]])
""" + _REVERSE,
}

# Call energylab's reference instead of writing the code. The visible asserts pass (the library works outside
# the hidden tests); the hidden tests switch it off. Later parts are graded with correct copies of these, so
# they keep their points.
LIBRARY_CALLING = {
    "sample_latent": """
from energylab.models.vae import sample_latent as _reference_sample

def sample_latent(mu, log_var, n_samples=1, *, generator):
    return _reference_sample((mu, log_var), n_samples, generator=generator)
""",
    "gaussian_kl": """
import energylab.models.vae as _vae

def gaussian_kl(mu, log_var):
    return _vae.gaussian_kl(mu, log_var)
""",
    "gan_losses": """
from energylab.models.gan import discriminator_loss as _reference_loss

def discriminator_loss(real_logits, fake_logits):
    return _reference_loss(real_logits, fake_logits)


def sampler_loss(fake_logits):
    return F.softplus(-fake_logits).mean()
""",
}

# The test cells that must give these answers 0 points (hidden tests, run with the reference disabled).
CHEATED_TESTS = ["test_sample_latent", "test_gaussian_kl", "test_discriminator_loss", "test_forward_kl_fit"]


# ---------------------------------------------------------------------------------------------------------------
# A test of the tests (issue 17): plausible wrong answers, one bug each (WRONG), correct answers written
# differently (CORRECT) and stubs left unimplemented (MISSING), each as {name: (grade_id, source of that solution
# cell)}.  Graded by running the source notebook with the one cell replaced (every hidden test included): all 62
# wrong ones lose points -- the hidden tests alone, with the visible asserts removed, catch all 62 -- all 10 correct
# ones keep full marks, and each missing stub costs only its own cell (later parts are graded with correct copies
# of the earlier ones).  Not run by test_assignments.py.

SL = "sample_latent"
KL = "gaussian_kl"
BL = "bernoulli_log_likelihood"
EL = "elbo"
IW = "iwae_bound"
GL = "gan_losses"
FIT = "kl_fits"
TR = "train_vae"

_CHECKS = """
    if mu.shape != log_var.shape:
        raise ValueError("shapes")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError("n_samples")
"""
_SAMPLE = """
def sample_latent(mu, log_var, n_samples=1, *, generator):""" + _CHECKS + """
    noise = torch.randn((n_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * log_var) * noise
"""
_NOISE = "noise = torch.randn((n_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)"
_KL = """
def gaussian_kl(mu, log_var):
    if mu.shape != log_var.shape:
        raise ValueError("shapes")
    return 0.5 * (mu.square() + torch.exp(log_var) - 1.0 - log_var).sum(-1)
"""
_KL_SUM = "return 0.5 * (mu.square() + torch.exp(log_var) - 1.0 - log_var).sum(-1)"
_ELBO = """
def elbo(x, encoder, decoder, n_samples=1, *, generator):
    mu, log_var = encoder(x).chunk(2, dim=-1)
    z = sample_latent(mu, log_var, n_samples, generator=generator)
    return bernoulli_log_likelihood(x, decoder(z)).mean(0) - gaussian_kl(mu, log_var)
"""
_IWAE = """
def iwae_bound(x, encoder, decoder, n_samples, *, generator):
    mu, log_var = encoder(x).chunk(2, dim=-1)
    z = sample_latent(mu, log_var, n_samples, generator=generator)
    log_prior = -0.5 * (z.square() + math.log(2 * math.pi)).sum(-1)
    log_q = -0.5 * ((z - mu).square() * torch.exp(-log_var) + log_var + math.log(2 * math.pi)).sum(-1)
    log_w = bernoulli_log_likelihood(x, decoder(z)) + log_prior - log_q
    return torch.logsumexp(log_w, dim=0) - math.log(n_samples)
"""
_IWAE_RETURN = "return torch.logsumexp(log_w, dim=0) - math.log(n_samples)"
_FORWARD = """
def forward_kl_fit(means, stds, weights):
    if abs(float(weights.sum()) - 1.0) > 1e-6:
        raise ValueError("weights")
    mean = weights @ means
    centred = means - mean
    between = (weights[:, None, None] * centred[:, :, None] * centred[:, None, :]).sum(0)
    return mean, between + (weights * stds.square()).sum() * torch.eye(means.shape[1], dtype=means.dtype)
"""
_SAMPLER = """
def sampler_loss(fake_logits):
    return F.softplus(-fake_logits).mean()
"""
_DISC = """
def discriminator_loss(real_logits, fake_logits):
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
"""
_TRAIN = """
def train_vae(x_train, *, epochs=30, batch_size=100, lr=2e-3, n_samples=1, generator):
    encoder, decoder = make_encoder(generator), make_decoder(generator)
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(x_train), batch_size):
            batch = x_train[order[start:start + batch_size]]
            loss = -elbo(batch, encoder, decoder, n_samples, generator=generator).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return encoder, decoder
"""
_BUILD = "encoder, decoder = make_encoder(generator), make_decoder(generator)"
_OPTIMISER = "optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)"


def _one_change(template, old, new):
    assert old in template, old
    return template.replace(old, new)


WRONG = {
    # ---- Part 1
    "sl_std_is_exp_logvar": (SL, _one_change(_SAMPLE, "torch.exp(0.5 * log_var)", "torch.exp(log_var)")),
    "sl_same_noise_every_row": (SL, _one_change(_SAMPLE, "(n_samples, *mu.shape)", "(n_samples, 1, mu.shape[-1])")),
    "sl_global_rng": (SL, _one_change(_SAMPLE, "generator=generator, dtype", "dtype")),
    "sl_detached": (SL, _one_change(_SAMPLE, "return mu + torch.exp(0.5 * log_var) * noise",
                                    "return (mu + torch.exp(0.5 * log_var) * noise).detach()")),
    "sl_float32_noise": (SL, _one_change(_SAMPLE, _NOISE,
                                         "noise = torch.randn((n_samples, *mu.shape), generator=generator).to(mu.dtype)")),
    "sl_no_validation": (SL, _one_change(_SAMPLE, _CHECKS, """
    if mu.numel() != log_var.numel():
        raise ValueError("shapes")""")),
    "sl_noise_per_sample_loop_order": (SL, _one_change(_SAMPLE, _NOISE, "noise = torch.randn((*mu.shape, n_samples), "
                                       "generator=generator, dtype=mu.dtype, device=mu.device).permute(2, 0, 1)")),
    # ---- Part 2
    "kl_no_half": (KL, _one_change(_KL, "return 0.5 * (", "return (")),
    "kl_mean_over_dims": (KL, _one_change(_KL, ".sum(-1)", ".mean(-1)")),
    "kl_log_of_sigma_squared": (KL, _one_change(_KL, _KL_SUM, """sigma = torch.exp(0.5 * log_var)
    return 0.5 * (mu.square() + sigma ** 2 - 1.0 - torch.log(sigma ** 2)).sum(-1)""")),
    "kl_sum_axis_1": (KL, _one_change(_KL, ".sum(-1)", ".sum(1)")),
    "kl_plus_logvar": (KL, _one_change(_KL, "- 1.0 - log_var", "- 1.0 + log_var")),
    "kl_no_validation": (KL, _one_change(_one_change(_KL, "if mu.shape != log_var.shape:", "if mu.numel() != log_var.numel():"),
                                         _KL_SUM, "return 0.5 * (mu.square() + torch.exp(log_var).reshape(mu.shape) - 1.0 "
                                         "- log_var.reshape(mu.shape)).sum(-1)")),
    # ---- Part 3
    "bl_naive_log_sigmoid": (BL, """
def bernoulli_log_likelihood(x, logits):
    p = torch.sigmoid(logits)
    return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)
"""),
    "bl_mean_over_pixels": (BL, """
def bernoulli_log_likelihood(x, logits):
    return (x * logits - F.softplus(logits)).mean(-1)
"""),
    "bl_where_binary_only": (BL, """
def bernoulli_log_likelihood(x, logits):
    return torch.where(x > 0.5, F.logsigmoid(logits), F.logsigmoid(-logits)).sum(-1)
"""),
    "bl_clamped_probs": (BL, """
def bernoulli_log_likelihood(x, logits):
    p = torch.sigmoid(logits).clamp(1e-7, 1 - 1e-7)
    return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)
"""),
    "bl_bce_sum_all": (BL, """
def bernoulli_log_likelihood(x, logits):
    return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="sum")
"""),
    # ---- Part 4
    "el_plus_kl": (EL, _one_change(_ELBO, ".mean(0) - gaussian_kl", ".mean(0) + gaussian_kl")),
    "el_sum_over_draws": (EL, _one_change(_ELBO, ".mean(0) - gaussian_kl", ".sum(0) - gaussian_kl")),
    "el_ignores_n_samples": (EL, _one_change(_ELBO, "log_var, n_samples, generator", "log_var, 1, generator")),
    "el_logvar_first": (EL, _one_change(_ELBO, "mu, log_var = encoder(x)", "log_var, mu = encoder(x)")),
    "el_decodes_the_mean": (EL, """
def elbo(x, encoder, decoder, n_samples=1, *, generator):
    mu, log_var = encoder(x).chunk(2, dim=-1)
    return bernoulli_log_likelihood(x, decoder(mu)) - gaussian_kl(mu, log_var)
"""),
    "el_mean_over_batch": (EL, _one_change(_ELBO, "return bernoulli_log_likelihood(x, decoder(z)).mean(0) - gaussian_kl(mu, log_var)",
                                           "return (bernoulli_log_likelihood(x, decoder(z)).mean(0) "
                                           "- gaussian_kl(mu, log_var)).mean().expand(len(x))")),
    # ---- Part 5
    "iw_mean_of_log_weights": (IW, _one_change(_IWAE, _IWAE_RETURN, "return log_w.mean(0)")),
    "iw_missing_log_k": (IW, _one_change(_IWAE, _IWAE_RETURN, "return torch.logsumexp(log_w, dim=0)")),
    "iw_naive_log_mean_exp": (IW, _one_change(_IWAE, _IWAE_RETURN, "return torch.log(torch.exp(log_w).mean(0))")),
    "iw_log_q_without_logvar": (IW, _one_change(_one_change(
        _IWAE, "log_prior = -0.5 * (z.square() + math.log(2 * math.pi)).sum(-1)", "log_prior = -0.5 * (z.square()).sum(-1)"),
        "log_q = -0.5 * ((z - mu).square() * torch.exp(-log_var) + log_var + math.log(2 * math.pi)).sum(-1)",
        "log_q = -0.5 * ((z - mu).square() * torch.exp(-log_var)).sum(-1)")),
    "iw_logsumexp_over_rows": (IW, _one_change(_IWAE, "torch.logsumexp(log_w, dim=0)", "torch.logsumexp(log_w, dim=-1)")),
    "iw_std_instead_of_var": (IW, _one_change(_IWAE, "torch.exp(-log_var)", "torch.exp(-0.5 * log_var)")),
    # ---- Part 6
    "gan_d_naive_logs": (GL, """
def discriminator_loss(real_logits, fake_logits):
    return -torch.log(torch.sigmoid(real_logits)).mean() - torch.log(1 - torch.sigmoid(fake_logits)).mean()
""" + _SAMPLER),
    "gan_d_labels_swapped": (GL, _one_change(_DISC, "F.softplus(-real_logits).mean() + F.softplus(fake_logits)",
                                             "F.softplus(real_logits).mean() + F.softplus(-fake_logits)") + _SAMPLER),
    "gan_d_mean_of_concatenation": (GL, _one_change(_DISC, "F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()",
                                                    "torch.cat([F.softplus(-real_logits), F.softplus(fake_logits)]).mean()")
                                    + _SAMPLER),
    "gan_d_sum": (GL, _DISC.replace(".mean()", ".sum()") + _SAMPLER),
    "gan_g_minimax": (GL, _DISC + _one_change(_SAMPLER, "F.softplus(-fake_logits).mean()", "-F.softplus(fake_logits).mean()")),
    "gan_g_naive_log": (GL, _DISC + _one_change(_SAMPLER, "F.softplus(-fake_logits).mean()",
                                                "-torch.log(torch.sigmoid(fake_logits)).mean()")),
    "gan_g_sign": (GL, _DISC + _one_change(_SAMPLER, "F.softplus(-fake_logits)", "F.softplus(fake_logits)")),
    # ---- Part 7a
    "fwd_no_between_term": (FIT, _one_change(
        _FORWARD, "return mean, between + (weights * stds.square()).sum() * torch.eye(means.shape[1], dtype=means.dtype)",
        "return mean, (weights * stds.square()).sum() * torch.eye(means.shape[1], dtype=means.dtype) "
        "+ torch.diag(weights @ (means - mean) ** 2)") + _REVERSE),
    "fwd_unweighted_mean": (FIT, _one_change(_FORWARD, "mean = weights @ means", "mean = means.mean(0)") + _REVERSE),
    "fwd_std_not_var": (FIT, _one_change(_FORWARD, "(weights * stds.square())", "(weights * stds)") + _REVERSE),
    "fwd_no_validation": (FIT, _one_change(_FORWARD, """    if abs(float(weights.sum()) - 1.0) > 1e-6:
        raise ValueError("weights")
""", "") + _REVERSE),
    "fwd_float64_eye": (FIT, _one_change(_FORWARD, "dtype=means.dtype)", "dtype=torch.float64)") + _REVERSE),
    # ---- Part 7b
    "rev_no_entropy": (FIT, _FORWARD + _one_change(_REVERSE, " - log_std.sum()", "")),
    "rev_entropy_of_std": (FIT, _FORWARD + _one_change(_REVERSE, " - log_std.sum()", " - torch.exp(log_std).sum()")),
    "rev_noise_drawn_once": (FIT, _FORWARD + _one_change(_one_change(
        _REVERSE, "    for _ in range(n_steps):\n        noise = torch.randn(",
        "    noise = torch.randn("), "device=mean.device)\n", "device=mean.device)\n    for _ in range(n_steps):\n")),
    "rev_ascent": (FIT, _FORWARD + _REVERSE.replace(" -= step_size", " += step_size")),
    "rev_backward_accumulates": (FIT, _FORWARD + _one_change(_one_change(
        _REVERSE, "g_mean, g_log_std = torch.autograd.grad(loss, (mean, log_std))", "loss.backward()"),
        "mean -= step_size * g_mean\n            log_std -= step_size * g_log_std",
        "mean -= step_size * mean.grad\n            log_std -= step_size * log_std.grad")),
    "rev_fixed_sample_count": (FIT, _FORWARD + _one_change(_REVERSE, "torch.randn(n_samples,", "torch.randn(64,")),
    "rev_one_step_short": (FIT, _FORWARD + _one_change(_REVERSE, "range(n_steps)", "range(n_steps - 1)")),
    "rev_in_place_on_input": (FIT, _FORWARD + """
def reverse_kl_fit(energy, mean, log_std, *, n_steps=200, step_size=0.05, n_samples=64, generator):
    for _ in range(n_steps):
        m = mean.detach().requires_grad_(True)
        s = log_std.detach().requires_grad_(True)
        noise = torch.randn(n_samples, mean.shape[0], generator=generator, dtype=mean.dtype, device=mean.device)
        loss = energy(m + torch.exp(s) * noise).mean() - s.sum()
        g_mean, g_log_std = torch.autograd.grad(loss, (m, s))
        with torch.no_grad():
            mean -= step_size * g_mean
            log_std -= step_size * g_log_std
    return mean.detach(), log_std.detach()
"""),
    "rev_optimizer_writes_energy_grads": (FIT, _FORWARD + """
def reverse_kl_fit(energy, mean, log_std, *, n_steps=200, step_size=0.05, n_samples=64, generator):
    mean = mean.detach().clone().requires_grad_(True)
    log_std = log_std.detach().clone().requires_grad_(True)
    optimizer = torch.optim.SGD([mean, log_std], lr=step_size)
    for _ in range(n_steps):
        noise = torch.randn(n_samples, mean.shape[0], generator=generator, dtype=mean.dtype, device=mean.device)
        loss = energy(mean + torch.exp(log_std) * noise).mean() - log_std.sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return mean.detach(), log_std.detach()
"""),
    # ---- Part 8
    "tr_no_shuffle": (TR, _one_change(_TRAIN, "order = torch.randperm(len(x_train), generator=generator)",
                                      "order = torch.arange(len(x_train))")),
    "tr_drops_ragged_batch": (TR, _one_change(_TRAIN, "range(0, len(x_train), batch_size)",
                                              "range(0, len(x_train) - batch_size + 1, batch_size)")),
    "tr_ignores_lr": (TR, _one_change(_TRAIN, "lr=lr)", "lr=2e-3)")),
    "tr_ignores_n_samples": (TR, _one_change(_TRAIN, "elbo(batch, encoder, decoder, n_samples,", "elbo(batch, encoder, decoder, 1,")),
    "tr_no_zero_grad": (TR, _one_change(_TRAIN, "            optimizer.zero_grad()\n", "")),
    "tr_decoder_first": (TR, _one_change(_TRAIN, _BUILD, "decoder = make_decoder(generator)\n    encoder = make_encoder(generator)")),
    "tr_sum_not_mean": (TR, _one_change(_TRAIN, ".mean()\n", ".sum()\n")),
    "tr_global_shuffle": (TR, _one_change(_TRAIN, "torch.randperm(len(x_train), generator=generator)", "torch.randperm(len(x_train))")),
    "tr_decoder_only_optimised": (TR, _one_change(_TRAIN, _OPTIMISER, "optimizer = torch.optim.Adam(decoder.parameters(), lr=lr)")),
    "tr_one_epoch_short": (TR, _one_change(_TRAIN, "range(epochs)", "range(epochs - 1)")),
    # ---- Part 9
    "q1_wrong": ("answers", 'ANSWER_Q1 = "B"\nANSWER_Q2 = "C"\n'),
}

CORRECT = {
    "sl_sqrt_exp": (SL, f"""
def sample_latent(mu, log_var, n_samples=1, *, generator):{_CHECKS}
    eps = torch.randn((n_samples,) + tuple(mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
    return mu.unsqueeze(0) + torch.sqrt(torch.exp(log_var)).unsqueeze(0) * eps
"""),
    "kl_rearranged": (KL, """
def gaussian_kl(mu, log_var):
    if mu.shape != log_var.shape:
        raise ValueError("shapes")
    return -0.5 * torch.sum(1 + log_var - mu ** 2 - log_var.exp(), dim=-1)
"""),
    "bl_logsigmoid": (BL, """
def bernoulli_log_likelihood(x, logits):
    return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(dim=-1)
"""),
    "bl_bce_none": (BL, """
def bernoulli_log_likelihood(x, logits):
    return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)
"""),
    "el_inline": (EL, """
def elbo(x, encoder, decoder, n_samples=1, *, generator):
    out = encoder(x)
    d = out.shape[-1] // 2
    mu, log_var = out[:, :d], out[:, d:]
    eps = torch.randn((n_samples, *mu.shape), generator=generator, dtype=mu.dtype, device=mu.device)
    logits = decoder(mu + (0.5 * log_var).exp() * eps)
    rec = (x * logits - F.softplus(logits)).sum(-1).mean(0)
    return rec - 0.5 * (mu ** 2 + log_var.exp() - 1 - log_var).sum(-1)
"""),
    "iw_no_constants": (IW, """
def iwae_bound(x, encoder, decoder, n_samples, *, generator):
    mu, log_var = encoder(x).chunk(2, dim=-1)
    z = sample_latent(mu, log_var, n_samples, generator=generator)
    eps = (z - mu) * torch.exp(-0.5 * log_var)
    log_w = bernoulli_log_likelihood(x, decoder(z)) - 0.5 * (z ** 2).sum(-1) + 0.5 * (eps ** 2 + log_var).sum(-1)
    return torch.logsumexp(log_w, 0) - math.log(n_samples)
"""),
    "gan_bce": (GL, """
def discriminator_loss(real_logits, fake_logits):
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def sampler_loss(fake_logits):
    return -F.logsigmoid(fake_logits).mean()
"""),
    "fwd_einsum": (FIT, """
def forward_kl_fit(means, stds, weights):
    if not torch.isclose(weights.sum(), torch.ones((), dtype=weights.dtype), atol=1e-6):
        raise ValueError("weights")
    m = torch.einsum("k,kd->d", weights, means)
    second = torch.einsum("k,ki,kj->ij", weights, means, means) + torch.eye(means.shape[1], dtype=means.dtype) * (weights * stds ** 2).sum()
    return m, second - torch.outer(m, m)
""" + _REVERSE),
    "rev_tensors_in_loop": (FIT, _FORWARD + """
def reverse_kl_fit(energy, mean, log_std, *, n_steps=200, step_size=0.05, n_samples=64, generator):
    m, s = mean.detach().clone(), log_std.detach().clone()
    for _ in range(n_steps):
        m.requires_grad_(True); s.requires_grad_(True)
        noise = torch.randn(n_samples, m.shape[0], generator=generator, dtype=m.dtype, device=m.device)
        loss = energy(m + s.exp() * noise).mean() - s.sum()
        gm, gs = torch.autograd.grad(loss, [m, s])
        m, s = (m - step_size * gm).detach(), (s - step_size * gs).detach()
    return m, s
"""),
    "tr_split": (TR, """
def train_vae(x_train, *, epochs=30, batch_size=100, lr=2e-3, n_samples=1, generator):
    encoder = make_encoder(generator)
    decoder = make_decoder(generator)
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=lr)
    for epoch in range(epochs):
        for batch in x_train[torch.randperm(x_train.shape[0], generator=generator)].split(batch_size):
            optimizer.zero_grad()
            (-elbo(batch, encoder, decoder, n_samples, generator=generator).mean()).backward()
            optimizer.step()
    return encoder, decoder
"""),
}

# missing parts (a stub that still raises): each must cost only its own cell
MISSING = {
    "sl_missing": (SL, "def sample_latent(mu, log_var, n_samples=1, *, generator):\n    raise NotImplementedError()\n"),
    "kl_missing": (KL, "def gaussian_kl(mu, log_var):\n    raise NotImplementedError()\n"),
    "bl_missing": (BL, "def bernoulli_log_likelihood(x, logits):\n    raise NotImplementedError()\n"),
    "el_missing": (EL, "def elbo(x, encoder, decoder, n_samples=1, *, generator):\n    raise NotImplementedError()\n"),
}
