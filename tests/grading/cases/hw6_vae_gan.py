"""The cheating student of hw6_vae_gan (see tests/grading/test_assignments.py)."""

# Passes the visible asserts of test_forward_kl_fit with the two answers those asserts expect, no formula at all;
# reverse_kl_fit (same cell) is written honestly, so its test must still give full marks.
HARD_CODED = {
    "kl_fits": '''
def forward_kl_fit(means, stds, weights):
    if means.shape[1] == 1:
        return torch.zeros(1), torch.tensor([[5.0]])
    return torch.zeros(2), torch.tensor([[1.25, 1.0], [1.0, 1.25]])


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
''',
}

# Call energylab's reference instead of writing the code. The visible asserts pass (the library works outside
# the hidden tests); the hidden tests switch it off. Later parts are graded with correct copies of these, so
# they keep their points.
LIBRARY_CALLING = {
    "sample_latent": '''
from energylab.models.vae import sample_latent as _reference_sample

def sample_latent(mu, log_var, n_samples=1, *, generator):
    return _reference_sample((mu, log_var), n_samples, generator=generator)
''',
    "gaussian_kl": '''
import energylab.models.vae as _vae

def gaussian_kl(mu, log_var):
    return _vae.gaussian_kl(mu, log_var)
''',
    "gan_losses": '''
from energylab.models.gan import discriminator_loss as _reference_loss

def discriminator_loss(real_logits, fake_logits):
    return _reference_loss(real_logits, fake_logits)


def sampler_loss(fake_logits):
    return F.softplus(-fake_logits).mean()
''',
}

# The test cells that must give these answers 0 points (hidden tests, run with the reference disabled).
CHEATED_TESTS = ["test_sample_latent", "test_gaussian_kl", "test_discriminator_loss", "test_forward_kl_fit"]
