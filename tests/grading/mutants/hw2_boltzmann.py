"""Plausible answers to hw2_boltzmann for the test of its hidden tests (see hw1_mdn.py for the format)."""

COND, FREE, GIBBS, CD, PCD, LOGZ, TRAIN = ("conditionals", "free_energy", "gibbs_step", "cd_gradient", "pcd_step",
                                           "exact_log_partition", "train_rbm_cd")

WRONG = [
    # ---- Part 1: the conditionals
    ("cond_hidden_bias_sign", COND, [("torch.sigmoid(v @ W + c)", "torch.sigmoid(v @ W - c)")], "the hidden bias subtracted"),
    ("cond_visible_no_bias", COND, [("torch.sigmoid(h @ W.T + b)", "torch.sigmoid(h @ W.T)")], "the visible bias forgotten"),
    ("cond_exp_ratio", COND, [("torch.sigmoid(v @ W + c)", "torch.exp(v @ W + c) / (1 + torch.exp(v @ W + c))")],
     "e^a / (1 + e^a) is inf / inf = NaN for a > 710"),
    ("cond_softmax", COND, [("torch.sigmoid(v @ W + c)", "torch.softmax(v @ W + c, dim=-1)")], "a softmax over the hidden units"),


    # ---- Part 2: the free energy
    ("free_naive_softplus", FREE, [("torch.nn.functional.softplus(v @ W + c)", "torch.log1p(torch.exp(v @ W + c))")],
     "log(1 + e^x) overflows for x = 1000"),
    ("free_bias_sign", FREE, [("return -v @ b -", "return v @ b -")], "the visible term with the wrong sign"),
    ("free_no_visible_bias", FREE, [("return -v @ b - ", "return -")], "the visible term forgotten"),
    ("free_logsigmoid_sign", FREE, [("torch.nn.functional.softplus(v @ W + c)", "-torch.nn.functional.logsigmoid(v @ W + c)")],
     "-logsigmoid(x) = softplus(-x), not softplus(x)"),
    ("free_mean_over_hidden", FREE, [(".sum(-1)", ".mean(-1)")], "mean instead of sum over the hidden units"),

    # ---- Part 3: one Gibbs step
    ("gibbs_mean_field_h", GIBBS, [("p_v = visible_probs(h, W, b)", "p_v = visible_probs(p_h, W, b)")],
     "v drawn from the probabilities of h instead of its sample"),
    ("gibbs_flipped_coin", GIBBS, [("generator=generator, dtype=v.dtype, device=v.device) < p_h)",
                                   "generator=generator, dtype=v.dtype, device=v.device) > p_h)")],
     "h = 1 with probability 1 - p_h"),
    ("gibbs_global_rng", GIBBS, [("v_new = (torch.rand(p_v.shape, generator=generator,", "v_new = (torch.rand(p_v.shape,")],
     "the visible coins from the global RNG"),
    ("gibbs_visible_coins_first", GIBBS, '''
def gibbs_step(v, W, b, c, *, generator):
    p_h = hidden_probs(v, W, c)
    u_v = torch.rand(v.shape, generator=generator, dtype=v.dtype, device=v.device)       # drawn before the hidden coins
    h = (torch.rand(p_h.shape, generator=generator, dtype=v.dtype, device=v.device) < p_h).to(v.dtype)
    v_new = (u_v < visible_probs(h, W, b)).to(v.dtype)
    return h, v_new
''', "the two sets of coins drawn in the wrong order"),
    ("gibbs_returns_probabilities", GIBBS, [("return h, v_new", "return p_h, v_new")], "returns p(h | v) instead of h"),
    ("gibbs_float32_coins", GIBBS, [("torch.rand(p_h.shape, generator=generator, dtype=v.dtype, device=v.device)",
                                     "torch.rand(p_h.shape, generator=generator, device=v.device)")],
     "float32 uniforms for float64 chains: other coins"),

    # ---- Part 4: CD-k
    ("cd_one_sweep", CD, [("for _ in range(n_sweeps):", "for _ in range(1):")], "n_sweeps ignored"),
    ("cd_restart_from_data", CD, [("_, v_k = gibbs_step(v_k, W, b, c, generator=generator)",
                                   "_, v_k = gibbs_step(v, W, b, c, generator=generator)")],
     "every sweep restarts from the data (right for n_sweeps = 1 only)"),
    ("cd_model_term_from_sample", CD, '''
def cd_gradient(v, W, b, c, n_sweeps, *, generator):
    v_k = v
    for _ in range(n_sweeps):
        h_k, v_k = gibbs_step(v_k, W, b, c, generator=generator)
    p_data = hidden_probs(v, W, c)
    n = v.shape[0]
    dW = (v.T @ p_data - v_k.T @ h_k) / n
    db = v.mean(0) - v_k.mean(0)
    dc = p_data.mean(0) - h_k.mean(0)
    return dW, db, dc, v_k
''', "the model term uses the last hidden sample instead of p(h | v_k)"),
    ("cd_descent_direction", CD, [("dW = (v.T @ p_data - v_k.T @ p_model) / n", "dW = (v_k.T @ p_model - v.T @ p_data) / n")],
     "dW points downhill"),
    ("cd_sum_not_mean", CD, [("dW = (v.T @ p_data - v_k.T @ p_model) / n", "dW = v.T @ p_data - v_k.T @ p_model")],
     "dW summed over the batch, db and dc averaged"),
    ("cd_model_probs_from_data", CD, [("hidden_probs(v_k, W, c)", "hidden_probs(v, W, c)")],
     "the model term's p(h | .) evaluated at the data"),
    ("cd_extra_sweep", CD, [("for _ in range(n_sweeps):", "for _ in range(n_sweeps + 1):")], "one sweep too many"),

    # ---- Part 5: PCD
    ("pcd_divides_by_batch", PCD, [("new_chains.T @ p_model / new_chains.shape[0]", "new_chains.T @ p_model / v.shape[0]")],
     "the chains' term averaged over B instead of C"),
    ("pcd_starts_at_data", PCD, [("new_chains = chains\n", "new_chains = v\n")], "the chains restart at the data"),
    ("pcd_one_sweep", PCD, [("for _ in range(n_sweeps):", "for _ in range(1):")], "n_sweeps ignored"),
    ("pcd_gradient_from_old_chains", PCD, [("hidden_probs(new_chains, W, c)", "hidden_probs(chains, W, c)"),
                                          ("new_chains.T @ p_model / new_chains.shape[0]", "chains.T @ p_model / chains.shape[0]"),
                                          ("db = v.mean(0) - new_chains.mean(0)", "db = v.mean(0) - chains.mean(0)")],
     "the model term from the chains before they moved"),
    ("pcd_hidden_term_sign", PCD, [("dc = p_data.mean(0) - p_model.mean(0)", "dc = p_model.mean(0) - p_data.mean(0)")],
     "dc points downhill"),

    # ---- Part 6: log Z
    ("logz_hidden_branch_no_bias", LOGZ, [("torch.logsumexp(hs @ c + torch.nn.functional.softplus",
                                          "torch.logsumexp(torch.nn.functional.softplus")],
     "the hidden branch forgets c.h (only when n_h < n_v)"),
    ("logz_naive", LOGZ, [("return torch.logsumexp(-free_energy(vs, W, b, c), 0)",
                           "return torch.log(torch.exp(-free_energy(vs, W, b, c)).sum())")],
     "log(sum(exp)) overflows for weights of a few hundred"),
    ("logz_always_visible", LOGZ, [("if n_v <= n_h:", "if True:")], "always enumerates the visible layer (64 units)"),
    ("logz_sign", LOGZ, [("torch.logsumexp(-free_energy(vs, W, b, c), 0)", "torch.logsumexp(free_energy(vs, W, b, c), 0)")],
     "logsumexp of +F"),
    ("logz_larger_layer", LOGZ, [("if n_v <= n_h:", "if n_v >= n_h:")], "enumerates the larger layer"),
    ("logz_float32_states", LOGZ, [("hs = enumerate_states(n_h, dtype=W.dtype, device=W.device)",
                                    "hs = enumerate_states(n_h, device=W.device)")],
     "float32 states against float64 weights"),

    # ---- Part 7: training
    ("train_no_shuffle", TRAIN, [("order = torch.randperm(n, generator=generator)", "order = torch.arange(n)")],
     "the minibatches are never shuffled"),
    ("train_ignores_n_sweeps", TRAIN, [("cd_gradient(batch, W, b, c, n_sweeps, generator=generator)",
                                       "cd_gradient(batch, W, b, c, 1, generator=generator)")], "always CD-1"),
    ("train_descent", TRAIN, [("W, b, c = W + lr * dW, b + lr * db, c + lr * dc", "W, b, c = W - lr * dW, b - lr * db, c - lr * dc")],
     "steps against the likelihood gradient"),
    ("train_global_randperm", TRAIN, [("torch.randperm(n, generator=generator)", "torch.randperm(n)")],
     "the shuffles come from the global RNG"),
    ("train_drops_last_batch", TRAIN, [("            dW, db, dc, _ = cd_gradient(", "            if len(batch) < batch_size:\n"
                                                                                  "                continue\n"
                                                                                  "            dW, db, dc, _ = cd_gradient(")],
     "the ragged last minibatch is skipped"),
    ("train_fixed_lr", TRAIN, [("W, b, c = W + lr * dW, b + lr * db, c + lr * dc", "W, b, c = W + 0.2 * dW, b + 0.2 * db, c + 0.2 * dc")],
     "lr ignored"),
    ("train_fixed_epochs", TRAIN, [("for _ in range(epochs):", "for _ in range(100):")], "epochs ignored"),
    ("train_small_init", TRAIN, [("W = 0.1 * torch.randn", "W = 0.01 * torch.randn")], "the initial weights 10x too small"),
    ("train_global_init", TRAIN, [("torch.randn(n_v, n_hidden, generator=generator, dtype=data.dtype)",
                                   "torch.randn(n_v, n_hidden, dtype=data.dtype)")], "the initial weights from the global RNG"),
    ("train_fixed_batch_size", TRAIN, [(".split(batch_size)", ".split(14)")], "batch_size ignored"),
    ("train_visible_bias_frozen", TRAIN, [("W, b, c = W + lr * dW, b + lr * db, c + lr * dc", "W, b, c = W + lr * dW, b, c + lr * dc")],
     "b is never updated"),
]

CORRECT = [
    ("cond_expit_einsum", COND, '''
def hidden_probs(v, W, c):
    return torch.special.expit(torch.einsum("bi,ij->bj", v, W) + c)


def visible_probs(h, W, b):
    return torch.special.expit(torch.addmm(b, h, W.t()))
''', "einsum, addmm, expit"),
    ("free_logaddexp", FREE, '''
def free_energy(v, W, b, c):
    a = torch.matmul(v, W) + c
    return -(v * b).sum(1) - torch.logaddexp(torch.zeros_like(a), a).sum(1)
''', "logaddexp(0, a) for softplus"),
    ("gibbs_inline", GIBBS, '''
def gibbs_step(v, W, b, c, *, generator):
    kw = dict(generator=generator, dtype=v.dtype, device=v.device)
    p_h = torch.sigmoid(c + v @ W)
    h = torch.lt(torch.rand(v.shape[0], W.shape[1], **kw), p_h).type(v.dtype)
    p_v = torch.sigmoid(b + h @ W.T)
    return h, torch.lt(torch.rand(v.shape[0], W.shape[0], **kw), p_v).type(v.dtype)
''', "its own conditionals, torch.lt"),
    ("cd_einsum", CD, '''
def cd_gradient(v, W, b, c, n_sweeps, *, generator):
    chain, k = v.clone(), 0
    while k < n_sweeps:
        chain = gibbs_step(chain, W, b, c, generator=generator)[1]
        k += 1
    q0, qk = hidden_probs(v, W, c), hidden_probs(chain, W, c)
    dW = torch.einsum("bi,bj->ij", v, q0) / len(v) - torch.einsum("bi,bj->ij", chain, qk) / len(v)
    return dW, (v - chain).mean(0), (q0 - qk).mean(0), chain
''', "a while loop, einsum, means of differences"),
    ("pcd_outer_products", PCD, '''
def pcd_step(v, W, b, c, chains, n_sweeps, *, generator):
    for _ in range(n_sweeps):
        chains = gibbs_step(chains, W, b, c, generator=generator)[1]
    pos, neg = hidden_probs(v, W, c), hidden_probs(chains, W, c)
    dW = (v[:, :, None] * pos[:, None, :]).mean(0) - (chains[:, :, None] * neg[:, None, :]).mean(0)
    return dW, v.mean(0) - chains.mean(0), pos.mean(0) - neg.mean(0), chains
''', "means of outer products"),
    ("logz_symmetric", LOGZ, '''
def exact_log_partition(W, b, c):
    # swapping the layers (W -> W.T, b <-> c) leaves Z unchanged: always enumerate the smaller one
    if W.shape[0] > W.shape[1]:
        W, b, c = W.T, c, b
    states = enumerate_states(W.shape[0], dtype=W.dtype, device=W.device)
    return torch.logsumexp(-free_energy(states, W, b, c), dim=0)
''', "the hidden branch as the visible one of the transposed model"),
    ("train_index_batches", TRAIN, '''
def train_rbm_cd(data, n_hidden, *, n_sweeps=1, lr=0.2, epochs=100, batch_size=14, generator):
    n_v = data.shape[1]
    W = torch.randn(n_v, n_hidden, generator=generator, dtype=data.dtype).mul_(0.1)
    b, c = data.new_zeros(n_v), data.new_zeros(n_hidden)
    for epoch in range(epochs):
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), batch_size):
            grads = cd_gradient(data[order[start:start + batch_size]], W, b, c, n_sweeps, generator=generator)
            W += lr * grads[0]
            b += lr * grads[1]
            c += lr * grads[2]
    return W, b, c
''', "index slices of the permutation, in-place updates"),
]
