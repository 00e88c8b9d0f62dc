"""Plausible answers to hw5_langevin for the test of its hidden tests (see hw1_mdn.py for the format)."""

STEP, ULA, RUN, BUFFER, ENERGY, LOSS, TRAIN, ANSWERS = ("sgld_step", "ula_variance", "run_sgld", "buffer_draw",
                                                        "jem_energy", "jem_loss", "train_jem", "answers")

WRONG = [
    # ---- Part 1: one step
    ("step_ascent", STEP, [("x.detach() - step_size * grad", "x.detach() + step_size * grad")], "climbs the energy"),
    ("step_variance_as_scale", STEP, [("grad + noise_scale * noise).detach()", "grad + noise_scale ** 2 * noise).detach()")], "sigma^2 times the noise"),
    ("step_backward_into_params", STEP, '''
def sgld_step(energy, x, step_size, noise_scale, noise):
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        energy(x).sum().backward()                   # also writes the .grad of the energy's parameters
    return (x.detach() - step_size * x.grad + noise_scale * noise).detach()
''', "backward() writes the parameters' .grad"),
    ("step_no_enable_grad", STEP, [("    with torch.enable_grad():\n        x = x.detach().requires_grad_(True)\n        (grad,) = torch.autograd.grad(energy(x).sum(), x)\n",
                                    "    x = x.detach().requires_grad_(True)\n    (grad,) = torch.autograd.grad(energy(x).sum(), x)\n")],
     "fails inside torch.no_grad()"),
    ("step_mean_energy", STEP, [("energy(x).sum()", "energy(x).mean()")], "the gradient of the mean: divided by n"),
    ("step_not_detached", STEP, [("return (x.detach() - step_size * grad + noise_scale * noise).detach()",
                                  "return x - step_size * grad + noise_scale * noise")], "the result still requires grad"),
    ("step_noise_times_step", STEP, [("grad + noise_scale * noise).detach()", "grad + step_size * noise_scale * noise).detach()")], "the noise scaled by the step"),

    # ---- Part 2: ULA's variance
    ("ula_rho_not_squared", ULA, [("(1.0 - rho ** 2)", "(1.0 - rho)")], "1 - rho instead of 1 - rho^2"),
    ("ula_sigma_not_squared", ULA, [("noise_scale ** 2 /", "noise_scale /")], "sigma instead of sigma^2"),
    ("ula_check_strict", ULA, [("if step_size >= 2 * s2:", "if step_size > 2 * s2:")], "step_size = 2 s2 not refused"),
    ("ula_rho_product", ULA, [("rho = 1.0 - step_size / s2", "rho = 1.0 - step_size * s2")], "alpha s^2 instead of alpha / s^2"),
    ("ula_assumes_sqrt_2a", ULA, [("return float(noise_scale ** 2 / (1.0 - rho ** 2))", "return float(s2 / (1.0 - step_size / (2 * s2)))")],
     "the sigma = sqrt(2 alpha) formula whatever sigma is"),
    ("ula_no_check", ULA, [("    if step_size >= 2 * s2:\n        raise", "    if False:\n        raise")], "never raises"),

    # ---- Part 3: many steps
    ("run_clamp_before_step", RUN, [("        x = sgld_step(energy, x, step_size, noise_scale, noise)\n        if bounds is not None:\n            x = x.clamp(bounds[0], bounds[1])\n",
                                     "        if bounds is not None:\n            x = x.clamp(bounds[0], bounds[1])\n        x = sgld_step(energy, x, step_size, noise_scale, noise)\n")],
     "clamps before the step: the final points can leave the box"),
    ("run_noise_once", RUN, '''
def run_sgld(energy, x0, n_steps, step_size, noise_scale, *, generator, bounds=None):
    x = x0.detach()
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)     # drawn once
    for _ in range(n_steps):
        x = sgld_step(energy, x, step_size, noise_scale, noise)
        if bounds is not None:
            x = x.clamp(bounds[0], bounds[1])
    return x
''', "the same noise at every step"),
    ("run_global_noise", RUN, [("torch.randn(x.shape, generator=generator,", "torch.randn(x.shape,")], "the global RNG"),
    ("run_one_step_short", RUN, [("for _ in range(n_steps):", "for _ in range(n_steps - 1):")], "one step too few"),
    ("run_clamp_low_only", RUN, [("x = x.clamp(bounds[0], bounds[1])", "x = x.clamp(min=bounds[0])")], "only the lower bound"),
    ("run_float32_noise", RUN, [("torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)",
                                 "torch.randn(x.shape, generator=generator, device=x.device)")], "float32 noise for float64 chains"),

    # ---- Part 4: the replay buffer
    ("buffer_slots_with_repeats", BUFFER, [("index = torch.randperm(capacity, generator=generator, device=buffer.device)[:n]",
                                            "index = torch.randint(capacity, (n,), generator=generator, device=buffer.device)")],
     "slots drawn with replacement"),
    ("buffer_draw_order", BUFFER, [("    index = torch.randperm(capacity, generator=generator, device=buffer.device)[:n]\n    fresh = torch.rand(n, generator=generator, device=buffer.device) < reinit_prob\n",
                                    "    fresh = torch.rand(n, generator=generator, device=buffer.device) < reinit_prob\n    index = torch.randperm(capacity, generator=generator, device=buffer.device)[:n]\n")],
     "fresh drawn before index"),
    ("buffer_noise_unit_box", BUFFER, [("noise = low + (high - low) * torch.rand(", "noise = torch.rand(")],
     "the noise in [0, 1] whatever the bounds"),
    ("buffer_fresh_inverted", BUFFER, [("< reinit_prob", "> reinit_prob")], "re-initialises with probability 1 - rho"),
    ("buffer_modified_in_place", BUFFER, [("    return torch.where(mask, noise, buffer[index]), index, fresh",
                                           "    buffer[index] = torch.where(mask, noise, buffer[index])\n    return buffer[index], index, fresh")],
     "writes the fresh noise into the buffer"),
    ("buffer_noise_for_fresh_only", BUFFER, '''
def buffer_draw(buffer, n, reinit_prob, bounds, *, generator):
    capacity = buffer.shape[0]
    if n > capacity:
        raise ValueError(f"n: expected at most capacity={capacity}, got {n}")
    low, high = bounds
    index = torch.randperm(capacity, generator=generator, device=buffer.device)[:n]
    fresh = torch.rand(n, generator=generator, device=buffer.device) < reinit_prob
    x = buffer[index].clone()
    k = int(fresh.sum())                                    # noise only for the rows that need it
    x[fresh] = low + (high - low) * torch.rand((k, *buffer.shape[1:]), generator=generator, dtype=buffer.dtype,
                                               device=buffer.device)
    return x, index, fresh
''', "draws noise for the fresh rows only: other numbers than the stated recipe"),
    ("buffer_check_inclusive", BUFFER, [("if n > capacity:", "if n >= capacity:")], "n = capacity refused"),
    ("buffer_mask_2d", BUFFER, [("mask = fresh.view(-1, *([1] * (buffer.dim() - 1)))", "mask = fresh[:, None]")],
     "the mask broadcasts wrongly for image buffers (n, 8, 8)"),

    # ---- Part 5: JEM's energy and loss
    ("energy_naive_logsumexp", ENERGY, [("return -torch.logsumexp(logits, dim=-1)", "return -torch.log(torch.exp(logits).sum(-1))")],
     "overflows for logits of 1000"),
    ("energy_max_logit", ENERGY, [("return -torch.logsumexp(logits, dim=-1)", "return -logits.max(dim=-1).values")],
     "the largest logit instead of logsumexp"),
    ("energy_sign", ENERGY, [("return -torch.logsumexp(logits, dim=-1)", "return torch.logsumexp(logits, dim=-1)")], "+logsumexp"),
    ("energy_wrong_dim", ENERGY, [("torch.logsumexp(logits, dim=-1)", "torch.logsumexp(logits, dim=0)")], "over the batch"),
    ("loss_contrast_sign", LOSS, [("ce + e_data.mean() - e_sampled.mean()", "ce - e_data.mean() + e_sampled.mean()")],
     "pushes the data up and the samples down"),
    ("loss_samples_detached", LOSS, [("e_sampled = jem_free_energy(logits_sampled)", "e_sampled = jem_free_energy(logits_sampled.detach())")],
     "no gradient through the samples' logits"),
    ("loss_penalty_sum", LOSS, [("energy_penalty * (e_data.pow(2).mean() + e_sampled.pow(2).mean())",
                                 "energy_penalty * (e_data.pow(2).sum() + e_sampled.pow(2).sum())")], "sums instead of means"),
    ("loss_penalty_of_means", LOSS, [("energy_penalty * (e_data.pow(2).mean() + e_sampled.pow(2).mean())",
                                      "energy_penalty * (e_data.mean() ** 2 + e_sampled.mean() ** 2)")],
     "the square of the mean instead of the mean of the squares"),
    ("loss_ce_sum", LOSS, [("F.cross_entropy(logits_data, y)", "F.cross_entropy(logits_data, y, reduction='sum')")],
     "the cross-entropy summed"),
    ("loss_fixed_penalty", LOSS, [("energy_penalty * (", "0.1 * (")], "energy_penalty ignored"),
    ("loss_paired_difference", LOSS, [("ce + e_data.mean() - e_sampled.mean()", "ce + (e_data - e_sampled).mean()")],
     "pairs data and samples (fails when B' differs from B)"),

    # ---- Part 6: training
    ("train_no_write_back", TRAIN, [("        buffer[index] = x_hat\n", "")], "the samples are never written back"),
    ("train_global_batch", TRAIN, [("torch.randint(len(x_train), (64,), generator=generator)", "torch.randint(len(x_train), (64,))")],
     "the batch indices from the global RNG"),
    ("train_fewer_sgld_steps", TRAIN, [("run_sgld(energy, x0, 20,", "run_sgld(energy, x0, 10,")], "10 SGLD steps instead of 20"),
    ("train_no_bounds", TRAIN, [("generator=generator, bounds=(-1.0, 1.0))", "generator=generator)")],
     "the chains are not clamped to [-1, 1]"),
    ("train_reinit_prob", TRAIN, [("buffer_draw(buffer, 64, 0.05,", "buffer_draw(buffer, 64, 0.5,")], "re-initialises half the chains"),
    ("train_fixed_steps", TRAIN, [("for _ in range(n_steps):", "for _ in range(300):")], "n_steps ignored"),
    ("train_no_zero_grad", TRAIN, [("        optimizer.zero_grad()\n", "")], "gradients accumulate"),
    ("train_no_penalty", TRAIN, [("energy_penalty=0.1)", "energy_penalty=0.0)")], "trains without the energy penalty"),
    ("train_global_buffer", TRAIN, [("torch.rand(1000, 64, generator=generator)", "torch.rand(1000, 64)")],
     "the buffer's noise from the global RNG"),
    ("train_loss_on_starts", TRAIN, [("net(x_hat), energy_penalty=0.1)", "net(x0), energy_penalty=0.1)")],
     "the loss sees the chains' starts instead of their ends"),

    ("answers_q1", ANSWERS, [('ANSWER_Q1 = "B"', 'ANSWER_Q1 = "A"')], "Q1 wrong"),
    ("answers_q2", ANSWERS, [('ANSWER_Q2 = "B"', 'ANSWER_Q2 = "C"')], "Q2 wrong"),
]

CORRECT = [
    ("step_grad_outputs", STEP, '''
def sgld_step(energy, x, step_size, noise_scale, noise):
    point = x.detach().clone().requires_grad_()
    with torch.enable_grad():
        e = energy(point)
        (g,) = torch.autograd.grad(e, point, grad_outputs=torch.ones_like(e))
    with torch.no_grad():
        return point - step_size * g + noise_scale * noise
''', "grad_outputs instead of sum, the update under no_grad"),
    ("ula_closed_form", ULA, '''
def ula_variance(s2, step_size, noise_scale):
    if not step_size < 2 * s2:
        raise ValueError("step_size must be below 2 * s2")
    return noise_scale ** 2 * s2 ** 2 / (step_size * (2 * s2 - step_size))
''', "1 - rho^2 expanded"),
    ("run_while", RUN, '''
def run_sgld(energy, x0, n_steps, step_size, noise_scale, *, generator, bounds=None):
    x, t = x0.detach().clone(), 0
    while t < n_steps:
        x = sgld_step(energy, x, step_size, noise_scale,
                      torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device))
        x = x if bounds is None else torch.clamp(x, *bounds)
        t += 1
    return x
''', "a while loop, torch.clamp"),
    ("buffer_clone_and_fill", BUFFER, '''
def buffer_draw(buffer, n, reinit_prob, bounds, *, generator):
    if n > len(buffer):
        raise ValueError(f"cannot draw {n} points from a buffer of {len(buffer)}")
    index = torch.randperm(len(buffer), generator=generator, device=buffer.device)[:n]
    fresh = torch.rand(n, generator=generator, device=buffer.device) < reinit_prob
    noise = torch.empty((n,) + tuple(buffer.shape[1:]), dtype=buffer.dtype, device=buffer.device)
    noise.uniform_(bounds[0], bounds[1], generator=generator)
    x = buffer.index_select(0, index)
    x[fresh] = noise[fresh]
    return x, index, fresh
''', "uniform_ on an empty tensor, masked assignment on a copy"),
    ("energy_manual_shift", ENERGY, '''
def jem_free_energy(logits):
    top = logits.max(dim=-1, keepdim=True).values
    return -(top.squeeze(-1) + torch.log(torch.exp(logits - top).sum(dim=-1)))
''', "logsumexp by hand"),
    ("loss_log_softmax", LOSS, '''
def jem_loss(logits_data, y, logits_sampled, energy_penalty=0.1):
    e_x, e_s = jem_free_energy(logits_data), jem_free_energy(logits_sampled)
    nll = -torch.log_softmax(logits_data, dim=1).gather(1, y[:, None]).mean()
    return nll + (e_x.mean() - e_s.mean()) + energy_penalty * (torch.mean(e_x ** 2) + torch.mean(e_s ** 2))
''', "cross-entropy from log_softmax"),
    ("train_index_copy", TRAIN, '''
def train_jem(x_train, y_train, *, n_steps=300, generator):
    net = digits_classifier(generator=generator)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    buffer = torch.rand(1000, 64, generator=generator) * 2 - 1
    for step in range(n_steps):
        rows = torch.randint(len(x_train), (64,), generator=generator)
        start, slots, _ = buffer_draw(buffer, 64, 0.05, (-1.0, 1.0), generator=generator)
        samples = run_sgld(lambda x: jem_free_energy(net(x)), start, 20, 1.0, 0.01, generator=generator,
                           bounds=(-1.0, 1.0))
        buffer.index_copy_(0, slots, samples)
        opt.zero_grad(set_to_none=True)
        jem_loss(net(x_train[rows]), y_train[rows], net(samples), energy_penalty=0.1).backward()
        opt.step()
    return net, buffer
''', "index_copy_, zero_grad first"),
]
