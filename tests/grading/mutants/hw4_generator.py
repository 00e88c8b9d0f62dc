"""Plausible answers to hw4_generator for the test of its hidden tests (see hw1_mdn.py for the format)."""

PCA, LOG, FLIP, STEP, PAIR, REFINE, ANSWERS = ("pca_complete", "log_loss", "flip", "training_step", "train_pair",
                                               "refine", "answers")

WRONG = [
    # ---- Part 1: the PCA baseline
    ("pca_no_regulariser", PCA, [("lhs = v_x @ v_x.T + torch.diag(sigma2 / (variances[:K] - sigma2))", "lhs = v_x @ v_x.T")],
     "R = 0: least squares on the visible pixels"),
    ("pca_noise_from_all", PCA, [("sigma2 = variances[K:].mean()", "sigma2 = variances.mean()")],
     "the noise variance from all components"),
    ("pca_noise_off_by_one", PCA, [("sigma2 = variances[K:].mean()", "sigma2 = variances[K - 1:].mean()")],
     "the noise variance includes the K-th component"),
    ("pca_not_centred", PCA, [("torch.linalg.svd(data - mean, full_matrices=False)", "torch.linalg.svd(data, full_matrices=False)")],
     "the SVD of uncentred data"),
    ("pca_test_not_centred", PCA, [("v_x @ (x_test - mean[:dx]).T", "v_x @ x_test.T")], "the test inputs not centred"),
    ("pca_no_mean", PCA, [("return mean[dx:] + coeffs @ v_y", "return coeffs @ v_y")], "the mean of Y forgotten"),
    ("pca_regulariser_inverted", PCA, [("torch.diag(sigma2 / (variances[:K] - sigma2))", "torch.diag((variances[:K] - sigma2) / sigma2)")],
     "R inverted"),
    ("pca_float64", PCA, [("data = torch.cat([x_train, y_train], dim=1)", "data = torch.cat([x_train, y_train], dim=1).double()"),
                          ("(x_test - mean[:dx])", "(x_test.double() - mean[:dx])")],
     "computes in float64 and returns float64 for float32 inputs"),
    ("pca_noise_sum", PCA, [("sigma2 = variances[K:].mean()", "sigma2 = variances[K:].sum()")], "the sum of the remaining variances"),

    # ---- Part 2: the log loss
    ("log_naive", LOG, [("torch.nn.functional.softplus(e_true - e_contrast)", "torch.log(1 + torch.exp(e_true - e_contrast))")],
     "overflows for a gap of 1e4"),
    ("log_sign", LOG, [("softplus(e_true - e_contrast)", "softplus(e_contrast - e_true)")], "the gap reversed"),
    ("log_mean", LOG, [("return torch.nn.functional.softplus(e_true - e_contrast)", "return torch.nn.functional.softplus(e_true - e_contrast).mean()")],
     "the mean instead of one value per example"),
    ("log_half_stable", LOG, [("torch.nn.functional.softplus(e_true - e_contrast)",
                               "torch.relu(e_true - e_contrast) + torch.log1p(torch.exp(-(e_true - e_contrast)))")],
     "max(u, 0) + log(1 + e^-u) instead of e^-|u|: overflows for negative gaps"),
    ("log_logsigmoid", LOG, [("torch.nn.functional.softplus(e_true - e_contrast)", "-torch.nn.functional.logsigmoid(e_true - e_contrast)")],
     "-logsigmoid(u) = softplus(-u)"),

    # ---- Part 3: the flip
    ("flip_detached", FLIP, [("return (2 * y).detach() - y", "return y.detach()")], "no gradient at all"),
    ("flip_value_negated", FLIP, [("return (2 * y).detach() - y", "return -y")], "the value is -y"),
    ("flip_wrong_order", FLIP, [("return (2 * y).detach() - y", "return y - (2 * y).detach()")], "value -y, gradient +"),
    ("flip_gradient_doubled", FLIP, [("return (2 * y).detach() - y", "return (3 * y).detach() - 2 * y")], "gradient -2"),

    # ---- Part 4: one step
    ("step_no_zero_grad", STEP, [("    optimizer.zero_grad()\n", "")], "stale gradients are added to the step"),
    ("step_zero_grad_after_backward", STEP, [("    optimizer.zero_grad()\n    loss.backward()\n", "    loss.backward()\n    optimizer.zero_grad()\n")],
     "the gradients are cleared before the step: nothing moves"),
    ("step_penalty_reaches_proposer", STEP, [("energy(y_hat.detach(), x).pow(2)", "energy(y_hat, x).pow(2)")],
     "the energy penalty also trains the proposer"),
    ("step_no_flip", STEP, [("e_gen = energy(flip(y_hat), x)", "e_gen = energy(y_hat, x)")], "both players minimise"),
    ("step_noise_order", STEP, [("        y = y + data_noise * torch.randn(y.shape, generator=generator, dtype=y.dtype)\n        y_hat = y_hat + data_noise * torch.randn(y_hat.shape, generator=generator, dtype=y.dtype)\n",
                                 "        y_hat = y_hat + data_noise * torch.randn(y_hat.shape, generator=generator, dtype=y.dtype)\n        y = y + data_noise * torch.randn(y.shape, generator=generator, dtype=y.dtype)\n")],
     "the proposals' noise drawn first"),
    ("step_noise_on_data_only", STEP, [("        y_hat = y_hat + data_noise * torch.randn(y_hat.shape, generator=generator, dtype=y.dtype)\n", "")],
     "no instance noise on the proposals"),
    ("step_global_noise", STEP, [("y = y + data_noise * torch.randn(y.shape, generator=generator, dtype=y.dtype)",
                                  "y = y + data_noise * torch.randn(y.shape, dtype=y.dtype)")], "the data's noise from the global RNG"),
    ("step_fixed_penalty", STEP, [("loss = loss + energy_penalty * (", "loss = loss + 0.1 * (")], "energy_penalty ignored"),
    ("step_loss_sum", STEP, [("loss = log_loss(e_true, e_gen).mean()", "loss = log_loss(e_true, e_gen).sum()")], "summed log loss"),
    ("step_reports_loss_without_penalty", STEP, [("    loss = log_loss(e_true, e_gen).mean()\n    loss = loss + energy_penalty",
                                                  "    main = log_loss(e_true, e_gen).mean()\n    loss = main + energy_penalty"),
                                                 ('return {"loss": loss.item(),', 'return {"loss": main.item(),')],
     "returns the loss without the penalty"),
    ("step_noise_when_zero", STEP, [("if data_noise > 0:", "if data_noise >= 0:")],
     "draws from the generator even without instance noise (the caller's later draws shift)"),

    # ---- Part 5: the full training
    ("pair_default_betas", PAIR, [(", lr=lr, betas=(0.5, 0.999))", ", lr=lr)")], "Adam's default momentum"),
    ("pair_no_shuffle", PAIR, [("order = torch.randperm(n, generator=generator)", "order = torch.arange(n)")], "never shuffled"),
    ("pair_global_z", PAIR, [("z = torch.randn(len(index), proposer.noise_dim, generator=generator)",
                              "z = torch.randn(len(index), proposer.noise_dim)")], "z from the global RNG"),
    ("pair_fixed_penalty", PAIR, [("energy_penalty=energy_penalty,", "energy_penalty=0.1,")], "energy_penalty not passed on"),
    ("pair_no_instance_noise", PAIR, [("\n                                         data_noise=data_noise, generator=generator))",
                                       "\n                                         generator=generator))")],
     "data_noise not passed on (training_step's default 0)"),
    ("pair_generator_not_passed", PAIR, [("data_noise=data_noise, generator=generator))", "data_noise=data_noise))")],
     "training_step draws its noise from the global RNG"),
    ("pair_z_full_batch", PAIR, [("z = torch.randn(len(index),", "z = torch.randn(batch_size,")], "z of a full batch for the ragged last one"),
    ("pair_history_last_batch", PAIR, [("history[key].append(sum(r[key] for r in records) / len(records))",
                                        "history[key].append(records[-1][key])")], "the last batch instead of the epoch's mean"),
    ("pair_energy_only", PAIR, [("torch.optim.Adam(list(energy.parameters()) + list(proposer.parameters()),",
                                 "torch.optim.Adam(list(energy.parameters()),")], "the proposer is never trained"),
    ("pair_fixed_lr", PAIR, [(", lr=lr, betas", ", lr=1e-3, betas")], "lr ignored"),
    ("pair_drops_last_batch", PAIR, [("            index = order[start:start + batch_size]\n",
                                      "            index = order[start:start + batch_size]\n"
                                      "            if len(index) < batch_size:\n"
                                      "                continue\n")], "the ragged last batch is skipped"),

    # ---- Part 6: refinement
    ("refine_no_clamp", REFINE, [("y = (y - lr * grad).clamp(0.0, 1.0).detach()", "y = (y - lr * grad).detach()")], "no projection"),
    ("refine_clamp_at_end", REFINE, [("        y = (y - lr * grad).clamp(0.0, 1.0).detach()\n    return y",
                                      "        y = (y - lr * grad).detach()\n    return y.clamp(0.0, 1.0)")],
     "projects once at the end instead of after every step"),
    ("refine_ascent", REFINE, [("y = (y - lr * grad)", "y = (y + lr * grad)")], "climbs the energy"),
    ("refine_backward", REFINE, '''
def refine(energy, x, y0, *, steps, lr):
    y = y0.detach().clone()
    for _ in range(steps):
        y.requires_grad_(True)
        energy(y, x).sum().backward()              # also writes the .grad of the energy's parameters
        y = (y - lr * y.grad).clamp(0.0, 1.0).detach()
    return y
''', "backward() writes the energy's .grad"),
    ("refine_mean", REFINE, [("energy(y, x).sum()", "energy(y, x).mean()")], "the gradient of the mean: divided by N"),
    ("refine_one_step_short", REFINE, [("for _ in range(steps):", "for _ in range(steps - 1):")], "one step too few"),
    ("refine_fixed_lr", REFINE, [("y = (y - lr * grad)", "y = (y - 0.1 * grad)")], "lr ignored"),

    ("answers_q1", ANSWERS, [('ANSWER_Q1 = "B"', 'ANSWER_Q1 = "A"')], "Q1 wrong"),
    ("answers_q2", ANSWERS, [('ANSWER_Q2 = "C"', 'ANSWER_Q2 = "B"')], "Q2 wrong"),
]

CORRECT = [
    ("pca_eigh", PCA, '''
def pca_complete(x_train, y_train, x_test, n_components):
    dx, K = x_train.shape[1], n_components
    full = torch.cat([x_train, y_train], 1)
    centre = full.mean(0, keepdim=True)
    cov = (full - centre).T @ (full - centre) / (len(full) - 1)
    values, vectors = torch.linalg.eigh(cov)                       # ascending
    values, vectors = values.flip(0), vectors.flip(1)
    noise = values[K:].mean()
    top = vectors[:, :K]                                            # (D, K): components as columns
    A = top[:dx].T @ top[:dx] + torch.diag(noise / (values[:K] - noise))
    c = (x_test - centre[:, :dx]) @ top[:dx] @ torch.linalg.inv(A).T
    return centre[:, dx:] + c @ top[dx:].T
''', "the eigendecomposition of the covariance"),
    ("log_loss_by_hand", LOG, '''
def log_loss(e_true, e_contrast):
    u = e_true - e_contrast
    return torch.clamp(u, min=0) + torch.log1p(torch.exp(-u.abs()))
''', "the stable formula by hand"),
    ("flip_autograd_function", FLIP, '''
class _Flip(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y):
        return y.clone()

    @staticmethod
    def backward(ctx, grad):
        return -grad


def flip(y):
    return _Flip.apply(y)
''', "a custom autograd function"),
    ("step_reordered", STEP, '''
def training_step(energy, proposer, optimizer, x, y, z, *, energy_penalty=0.1, data_noise=0.0, generator=None):
    optimizer.zero_grad()
    proposals = proposer(x, z)
    if data_noise > 0:
        y = y + torch.randn(y.shape, generator=generator, dtype=y.dtype) * data_noise
        proposals = proposals + torch.randn(proposals.shape, generator=generator, dtype=y.dtype) * data_noise
    plus = energy(y, x)
    minus = energy(flip(proposals), x)
    penalty = (plus ** 2).mean() + (energy(proposals.detach(), x) ** 2).mean()
    total = log_loss(plus, minus).mean() + energy_penalty * penalty
    total.backward()
    optimizer.step()
    return dict(loss=float(total), e_true=float(plus.mean()), e_generated=float(minus.mean()))
''', "zero_grad first, the penalty as a sum of two means"),
    ("pair_split", PAIR, '''
def train_pair(energy, proposer, x, y, *, epochs, generator, lr=1e-3, batch_size=128, energy_penalty=0.1, data_noise=0.05):
    opt = torch.optim.Adam([*energy.parameters(), *proposer.parameters()], lr, (0.5, 0.999))
    history = {"e_true": [], "e_generated": []}
    for epoch in range(epochs):
        logs = []
        for index in torch.randperm(len(x), generator=generator).split(batch_size):
            noise = torch.randn(index.numel(), proposer.noise_dim, generator=generator)
            logs.append(training_step(energy, proposer, opt, x[index], y[index], noise,
                                      energy_penalty=energy_penalty, data_noise=data_noise, generator=generator))
        for key in history:
            history[key].append(float(torch.tensor([log[key] for log in logs], dtype=torch.float64).mean()))
    return history
''', "perm.split, the means through a float64 tensor"),
    ("refine_no_grad_update", REFINE, '''
def refine(energy, x, y0, *, steps, lr):
    y = y0.detach()
    for _ in range(steps):
        with torch.enable_grad():
            point = y.clone().requires_grad_()
            g = torch.autograd.grad(energy(point, x), point, grad_outputs=torch.ones(len(point), dtype=y.dtype))[0]
        with torch.no_grad():
            y = torch.clamp(y - lr * g, 0.0, 1.0)
    return y
''', "grad_outputs, the update under no_grad"),
    ("answers_same", ANSWERS, '''
ANSWER_Q1, ANSWER_Q2 = "B", "C"
''', "one line"),
]
