"""Plausible answers to hw1_mdn for the test of its hidden tests (tests/grading/test_mutants.py).

``WRONG``: one bug each, every one changing the result on inputs the assignment allows (the note
says where). ``CORRECT``: correct answers written differently from the solution, which must keep
full marks. Each entry is ``(name, grade_id, change, note)``; ``change`` is a list of
``(old, new)`` edits of the solution's source, or a whole new source (see harness.load_variants).
"""

HEADS, NLL, SAMPLE, MODES, TRAIN, POINT, ANSWERS = ("mdn_heads", "mdn_nll", "sample_mixture", "mixture_modes",
                                                   "train_mdn", "point_predictions", "answers")

WRONG = [
    # ---- Part 1: the heads
    ("heads_log_of_softmax", HEADS, [("torch.log_softmax(z_alpha, dim=-1)", "torch.log(torch.softmax(z_alpha, dim=-1))")],
     "log(softmax) is -inf for a logit 2000 below the others"),
    ("heads_no_floor", HEADS, [("torch.logaddexp(z_sigma, floor).reshape(B, K, D)", "z_sigma.reshape(B, K, D)")],
     "sigma = exp(z): no sigma_min"),
    ("heads_naive_floor", HEADS, [("torch.logaddexp(z_sigma, floor)", "torch.log(torch.exp(z_sigma) + sigma_min)")],
     "log(exp(z) + sigma_min) overflows for z = 800"),
    ("heads_dimension_major", HEADS, [("mu = z_mu.reshape(B, K, D)", "mu = z_mu.reshape(B, D, K).transpose(1, 2)")],
     "the mu block read dimension-major (differs for K, D > 1)"),
    ("heads_fixed_floor", HEADS, [("math.log(sigma_min)", "math.log(1e-3)")], "sigma_min ignored (default used)"),
    ("heads_partial_check", HEADS, [("raw.dim() != 2 or raw.shape[1] != K + 2 * K * D", "raw.shape[-1] != K + 2 * K * D")],
     "a 3-D raw whose last dimension fits is not refused"),
    ("heads_softmax_over_batch", HEADS, [("torch.log_softmax(z_alpha, dim=-1)", "torch.log_softmax(z_alpha, dim=0)")],
     "softmax over the batch (right for B = 1 only)"),
    ("heads_detached_mu", HEADS, [("mu = z_mu.reshape(B, K, D)", "mu = z_mu.detach().reshape(B, K, D)")],
     "no gradient reaches the mu block"),
    ("heads_float32_floor", HEADS, [("torch.full_like(z_sigma, math.log(sigma_min))",
                                     "torch.full(z_sigma.shape, math.log(sigma_min))")],
     "the floor is a float32 tensor: float64 heads lose precision where the floor matters"),
    ("heads_blocks_swapped", HEADS, [("z_alpha, z_mu, z_sigma = raw.split", "z_alpha, z_sigma, z_mu = raw.split")],
     "sigma block read as mu and vice versa"),

    # ---- Part 2: the NLL
    ("nll_no_2pi", NLL, [(" - 0.5 * math.log(2 * math.pi)).sum(-1)", ").sum(-1)")], "the 1/sqrt(2 pi) constant is missing"),
    ("nll_constant_once", NLL, [("(-0.5 * z.pow(2) - log_sigma - 0.5 * math.log(2 * math.pi)).sum(-1)",
                                 "(-0.5 * z.pow(2) - log_sigma).sum(-1) - 0.5 * math.log(2 * math.pi)")],
     "the constant added once instead of once per dimension (right for D = 1 only)"),
    ("nll_divides_by_variance", NLL, [("torch.exp(-log_sigma)", "torch.exp(-2 * log_sigma)")],
     "(t - mu) / sigma^2 squared"),
    ("nll_naive_mixture", NLL, [("return -torch.logsumexp(log_alpha + log_normal, dim=-1)",
                                 "return -torch.log((log_alpha.exp() * log_normal.exp()).sum(-1))")],
     "sum of densities: underflows to -log 0 far from every centre"),
    ("nll_hard_max", NLL, [("-torch.logsumexp(log_alpha + log_normal, dim=-1)", "-(log_alpha + log_normal).max(dim=-1).values")],
     "max over components instead of logsumexp"),
    ("nll_no_log_alpha", NLL, [("torch.logsumexp(log_alpha + log_normal", "torch.logsumexp(log_normal")],
     "the mixing coefficients are forgotten (right for K = 1 only)"),
    ("nll_batch_mean", NLL, [("return -torch.logsumexp(log_alpha + log_normal, dim=-1)",
                              "return -torch.logsumexp(log_alpha + log_normal, dim=-1).mean()")],
     "the mean over the batch instead of one value per example"),
    ("nll_log_sigma_mean", NLL, [("(-0.5 * z.pow(2) - log_sigma - 0.5 * math.log(2 * math.pi)).sum(-1)",
                                  "(-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1) - log_sigma.mean(-1)")],
     "log sigma averaged instead of summed over dimensions (right for D = 1 only)"),

    # ---- Part 3: sampling
    ("sample_component_per_dimension", SAMPLE, '''
def sample_mixture(params, n_samples, *, generator):
    log_alpha, mu, log_sigma = params
    B, K, D = mu.shape
    # a component for every coordinate: each coordinate's marginal is right, the joint is not
    k = torch.multinomial(log_alpha.exp(), n_samples * D, replacement=True, generator=generator)   # (B, n D)
    k = k.reshape(B, n_samples, D).permute(1, 0, 2)                                                  # (n, B, D)
    rows = torch.arange(B, device=mu.device)[None, :, None]
    dims = torch.arange(D, device=mu.device)[None, None, :]
    eps = torch.randn(n_samples, B, D, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu[rows, k, dims] + log_sigma[rows, k, dims].exp() * eps
''', "each coordinate picks its own component"),
    ("sample_noise_shared_by_dimensions", SAMPLE, [("torch.randn(n_samples, B, D,", "torch.randn(n_samples, B, 1,")],
     "one noise value for all D coordinates"),
    ("sample_noise_shared_by_inputs", SAMPLE, [("torch.randn(n_samples, B, D,", "torch.randn(n_samples, 1, D,")],
     "the same noise for every input b"),
    ("sample_one_component_per_input", SAMPLE, [("torch.multinomial(log_alpha.exp(), n_samples, replacement=True, generator=generator).T",
                                                 "torch.multinomial(log_alpha.exp(), 1, replacement=True, generator=generator).T.expand(n_samples, B)")],
     "one component drawn per input and used for all its samples"),
    ("sample_log_sigma_as_sigma", SAMPLE, [("log_sigma[rows, k].exp() * eps", "log_sigma[rows, k] * eps")], "log sigma used as sigma"),
    ("sample_variance_as_sigma", SAMPLE, [("log_sigma[rows, k].exp() * eps", "(2 * log_sigma[rows, k]).exp() * eps")],
     "sigma^2 used as sigma"),
    ("sample_global_noise", SAMPLE, [("eps = torch.randn(n_samples, B, D, generator=generator,", "eps = torch.randn(n_samples, B, D,")],
     "the noise comes from the global RNG"),
    ("sample_components_reshaped", SAMPLE, [("replacement=True, generator=generator).T", "replacement=True, generator=generator).reshape(n_samples, B)")],
     "(B, n) reshaped instead of transposed: input b gets other inputs' components"),
    ("sample_softmax_over_batch", SAMPLE, [("torch.multinomial(log_alpha.exp(),", "torch.multinomial(torch.softmax(log_alpha, dim=0),")],
     "weights normalised over the batch instead of the components"),

    # ---- Part 4: modes
    ("modes_ignore_n_steps", MODES, [("for _ in range(n_steps):", "for _ in range(200):")], "n_steps ignored"),
    ("modes_ignore_tol", MODES, [("if moved < tol:", "if moved < 0:")], "never stops early (tol ignored)"),
    ("modes_ignore_merge_radius", MODES, [("radius = 0.1 * log_sigma[b].exp().min() if merge_radius is None else merge_radius",
                                           "radius = 0.1 * log_sigma[b].exp().min()")], "merge_radius ignored"),
    ("modes_default_radius_max_sigma", MODES, [("0.1 * log_sigma[b].exp().min()", "0.1 * log_sigma[b].exp().max()")],
     "the default radius from the widest component merges distinct nearby modes of narrow ones"),
    ("modes_sorted_by_weight", MODES, [("for i in log_p[:, b].argsort(descending=True).tolist():",
                                        "for i in log_alpha[b].argsort(descending=True).tolist():")],
     "sorted by the weight of the starting component, not by the density at the mode"),
    ("modes_precision_not_squared", MODES, [("precision = torch.exp(-2 * log_sigma)", "precision = torch.exp(-log_sigma)")],
     "1/sigma instead of 1/sigma^2 in the fixed point (right for equal widths only)"),
    ("modes_merge_any_coordinate", MODES, [("if all((t[i, b] - t[j, b]).norm() >= radius for j in kept):",
                                            "if all((t[i, b] - t[j, b]).abs().min() >= radius for j in kept):")],
     "two modes sharing one coordinate are merged"),
    ("modes_unweighted_responsibilities", MODES, [("return log_alpha + (-0.5", "return (-0.5")],
     "responsibilities and densities without the mixing coefficients"),
    ("modes_ascending", MODES, [("argsort(descending=True)", "argsort()")], "lowest density first"),

    # ---- Part 5: training
    ("train_default_lr", TRAIN, [("torch.optim.Adam(net.parameters(), lr=lr)", "torch.optim.Adam(net.parameters())")],
     "lr ignored (Adam's default 1e-3)"),
    ("train_fixed_steps", TRAIN, [("for _ in range(n_steps):", "for _ in range(1500):")], "n_steps ignored"),
    ("train_no_zero_grad", TRAIN, [("        optimizer.zero_grad()\n", "")], "gradients accumulate over the steps"),
    ("train_fixed_components", TRAIN, [("K, D = n_components, targets.shape[1]", "K, D = 3, targets.shape[1]")],
     "n_components ignored"),
    ("train_global_rng_init", TRAIN, [("generator=generator)", "generator=torch.default_generator)")],
     "the initial weights come from the global RNG"),
    ("train_one_step_short", TRAIN, [("range(n_steps)", "range(n_steps - 1)")], "one step too few"),
    ("train_other_sigma_min", TRAIN, [("mdn_heads(net(inputs), K, D)", "mdn_heads(net(inputs), K, D, sigma_min=1e-2)")],
     "trains with another width floor than the one the model is evaluated with"),
    ("train_sum_loss", TRAIN, [("targets).mean()", "targets).sum()")], "the sum instead of the mean (Adam's eps acts differently)"),
    ("train_zero_grad_after_backward", TRAIN, [("        optimizer.zero_grad()\n        loss.backward()\n",
                                                "        loss.backward()\n        optimizer.zero_grad()\n")],
     "the gradients are cleared before the step: nothing is learnt"),

    # ---- Part 6: point predictions and answers
    ("point_least_probable_mode", POINT, [("mixture_modes(params)[0][:1]", "mixture_modes(params)[0][-1:]")],
     "the last mode instead of the most probable one"),
    ("point_unweighted_mean", POINT, [("mean = (params.alpha.unsqueeze(-1) * params.mu).sum(-2)", "mean = params.mu.mean(-2)")],
     "the mean ignores the mixing coefficients"),
    ("point_nll_not_negated", POINT, [('"log_p_mean": -mdn_nll(params, mean).item()', '"log_p_mean": mdn_nll(params, mean).item()')],
     "log p of the mean has the wrong sign"),
    ("point_fixed_components", POINT, [("mdn_heads(net(torch.tensor([[float(x)]])), n_components, 1)",
                                        "mdn_heads(net(torch.tensor([[float(x)]])), 3, 1)")], "n_components ignored"),
    ("answers_q1", ANSWERS, [('ANSWER_Q1 = "B"', 'ANSWER_Q1 = "A"')], "Q1 wrong"),
    ("answers_q2", ANSWERS, [('ANSWER_Q2 = "B"', 'ANSWER_Q2 = "C"')], "Q2 wrong"),
]

CORRECT = [
    ("heads_by_hand", HEADS, '''
def mdn_heads(raw, n_components, out_features, sigma_min=1e-3):
    K, D = n_components, out_features
    if raw.ndim != 2 or raw.shape[-1] != K * (1 + 2 * D):
        raise ValueError(f"raw must have shape (B, {K * (1 + 2 * D)}), got {list(raw.shape)}")
    z_alpha = raw[:, :K]
    log_alpha = z_alpha - torch.logsumexp(z_alpha, dim=1, keepdim=True)
    mu = raw[:, K:K + K * D].reshape(-1, K, D)
    z = raw[:, K + K * D:].reshape(-1, K, D)
    m = math.log(sigma_min)
    log_sigma = torch.clamp(z, min=m) + torch.log1p(torch.exp(-(z - m).abs()))   # a stable log(e^z + e^m)
    return MixtureParams(log_alpha, mu, log_sigma)
''', "logsumexp by hand, slicing, a hand-made stable logaddexp"),
    ("nll_explicit_variance", NLL, '''
def mdn_nll(params, t):
    log_alpha, mu, log_sigma = params
    D = t.shape[-1]
    sq = ((t[:, None, :] - mu) ** 2 / torch.exp(2 * log_sigma)).sum(-1)               # (B, K)
    log_normal = -0.5 * sq - log_sigma.sum(-1) - 0.5 * D * math.log(2 * math.pi)
    return -torch.logsumexp(log_normal + log_alpha, -1)
''', "variance form, constants summed first"),
    ("sample_inverse_cdf", SAMPLE, '''
def sample_mixture(params, n_samples, *, generator):
    log_alpha, mu, log_sigma = params
    B, K, D = mu.shape
    eps = torch.randn(n_samples, B, D, generator=generator, dtype=mu.dtype, device=mu.device)   # noise first
    u = torch.rand(n_samples, B, 1, generator=generator, dtype=mu.dtype, device=mu.device)
    cdf = torch.cumsum(torch.softmax(log_alpha, -1), -1)                                   # (B, K)
    k = (cdf.unsqueeze(0) < u).sum(-1).clamp(max=K - 1)                                    # (n, B)
    index = k[..., None, None].expand(n_samples, B, 1, D)
    centre = torch.gather(mu.expand(n_samples, B, K, D), 2, index)[:, :, 0]
    width = torch.gather(log_sigma.expand(n_samples, B, K, D), 2, index)[:, :, 0].exp()
    return centre + width * eps
''', "inverse-CDF categorical draws, another order of draws, gather"),
    ("modes_vectorised_merge", MODES, '''
def mixture_modes(params, n_steps=200, tol=1e-8, merge_radius=None):
    log_alpha, mu, log_sigma = params
    B, K, D = mu.shape
    inv_var = torch.exp(-2 * log_sigma)

    def terms(x):                                                      # (K, B, D) -> (K, B, K)
        diff = x[:, :, None, :] - mu[None]
        return log_alpha - 0.5 * (diff ** 2 * inv_var).sum(-1) - log_sigma.sum(-1) - 0.5 * D * math.log(2 * math.pi)

    with torch.no_grad():
        x = mu.transpose(0, 1).clone()
        step = 0
        while step < n_steps:
            r = torch.softmax(terms(x), -1)[..., None]                     # (K, B, K, 1)
            new = (r * inv_var * mu).sum(2) / (r * inv_var).sum(2)
            done = bool((new - x).abs().max() < tol)
            x, step = new, step + 1
            if done:
                break
        density = torch.logsumexp(terms(x), -1)                            # (K, B)
        result = []
        for b in range(B):
            radius = merge_radius if merge_radius is not None else 0.1 * float(torch.exp(log_sigma[b]).min())
            order = torch.argsort(density[:, b], descending=True)
            points = x[order, b]
            dist = torch.cdist(points, points)
            keep = []
            for i in range(K):
                if not keep or bool((dist[i, keep] >= radius).all()):
                    keep.append(i)
            result.append(points[keep])
    return result
''', "a while loop, merging from a distance matrix"),
    ("train_with_fit", TRAIN, '''
def train_mdn(inputs, targets, n_components=3, *, n_steps=1500, lr=1e-2, generator):
    from energylab.train import fit

    K, D = n_components, targets.shape[1]
    net = make_network(K, inputs.shape[1], D, generator=generator)
    loss = lambda model, x, t: mdn_nll(mdn_heads(model(x), K, D), t).mean()
    fit(net, loss, (inputs, targets), epochs=n_steps, lr=lr, batch_size=None, shuffle=False, progress=False)
    return net
''', "the library's fit loop (allowed by the text)"),
    ("train_loop_reordered", TRAIN, '''
def train_mdn(inputs, targets, n_components=3, *, n_steps=1500, lr=1e-2, generator):
    D = targets.shape[-1]
    net = make_network(n_components, inputs.shape[-1], D, generator=generator)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    step = 0
    while step < n_steps:
        opt.zero_grad(set_to_none=False)
        nll = mdn_nll(mdn_heads(net(inputs), n_components, D), targets)
        (nll.sum() / len(targets)).backward()
        opt.step()
        step += 1
    return net
''', "zero_grad first, the mean as sum / N, a while loop"),
    ("point_own_log_density", POINT, '''
def point_predictions(net, x, n_components):
    with torch.no_grad():
        log_alpha, mu, log_sigma = mdn_heads(net(torch.tensor([[float(x)]])), n_components, 1)

        def log_p(t):
            z = (t - mu[0, :, 0]) / log_sigma[0, :, 0].exp()
            return torch.logsumexp(log_alpha[0] - 0.5 * z ** 2 - log_sigma[0, :, 0] - 0.5 * math.log(2 * math.pi), 0)

        mean = (log_alpha[0].exp() * mu[0, :, 0]).sum()
        best = mixture_modes((log_alpha, mu, log_sigma))[0][0, 0]
        return dict(mean=float(mean), mode=float(best), log_p_mean=float(log_p(mean)), log_p_mode=float(log_p(best)))
''', "its own log density instead of mdn_nll"),
]
