"""Plausible answers to hw3_structured for the test of its hidden tests (see hw1_mdn.py for the format)."""

ENERGY, VITERBI, LOGZ, AUGMENTED, HINGE, TRAIN, ANSWERS = ("chain_energy", "viterbi", "log_partition",
                                                           "loss_augmented_viterbi", "hinge_loss", "train_tagger",
                                                           "answers")

WRONG = [
    # ---- Part 1: the energy
    ("energy_pairs_cross_the_end", ENERGY, [("torch.where(mask[:, 1:], transitions", "torch.where(mask[:, :-1], transitions")],
     "the pair (L-1, L) into the padding is counted"),
    ("energy_pairs_unmasked", ENERGY, [("pairs = torch.where(mask[:, 1:], transitions[safe[:, :-1], safe[:, 1:]], zero).sum(1)",
                                        "pairs = transitions[safe[:, :-1], safe[:, 1:]].sum(1)")], "padded pairs counted"),
    ("energy_transitions_transposed", ENERGY, [("transitions[safe[:, :-1], safe[:, 1:]]", "transitions[safe[:, 1:], safe[:, :-1]]")],
     "W(y_{t+1}, y_t) instead of W(y_t, y_{t+1})"),
    ("energy_unary_unmasked", ENERGY, [("torch.where(mask, unary.gather(2, safe[..., None])[..., 0], zero).sum(1)",
                                        "unary.gather(2, safe[..., None])[..., 0].sum(1)")], "padded positions counted"),
    ("energy_one_position_short", ENERGY, [("< lengths[:, None].to(unary.device)", "< lengths[:, None].to(unary.device) - 1")],
     "the last position of each sequence is dropped"),
    ("energy_unary_detached", ENERGY, [("unary.gather(2,", "unary.detach().gather(2,")], "no gradient for the unaries"),

    # ---- Part 2: Viterbi
    ("viterbi_transitions_transposed", VITERBI, [("(alpha[:, :, None] + transitions).min(dim=1)",
                                                  "(alpha[:, :, None] + transitions.T).min(dim=1)")], "W(j, i) for the step i -> j"),
    ("viterbi_min_over_next", VITERBI, [("(alpha[:, :, None] + transitions).min(dim=1)", "(alpha[:, None, :] + transitions).min(dim=2)")],
     "minimum over the wrong label"),
    ("viterbi_runs_into_padding", VITERBI, [("alpha = torch.where(mask[:, t, None], best + unary[:, t], alpha)",
                                            "alpha = best + unary[:, t]")], "the recursion continues into the padding"),
    ("viterbi_no_identity_pointers", VITERBI, [("pointers.append(torch.where(mask[:, t, None], arg, identity))",
                                               "pointers.append(arg)")],
     "backpointers past the end are not the identity: the backtrace of a shorter sequence goes astray"),
    ("viterbi_max", VITERBI, [("best, arg = (alpha[:, :, None] + transitions).min(dim=1)", "best, arg = (alpha[:, :, None] + transitions).max(dim=1)"),
                              ("energy, last = alpha.min(dim=1)", "energy, last = alpha.max(dim=1)")], "the most expensive labelling"),
    ("viterbi_no_padding_fill", VITERBI, [("return labels.masked_fill(~mask, PAD), energy", "return labels, energy")],
     "padded positions are not -1"),
    ("viterbi_path_not_reversed", VITERBI, [("labels = torch.stack(path[::-1], dim=1)", "labels = torch.stack(path, dim=1)")],
     "the backtrace read forwards"),
    ("viterbi_greedy", VITERBI, '''
def viterbi(unary, transitions, lengths):
    B, N, C = unary.shape
    mask = torch.arange(N)[None, :] < lengths[:, None]
    labels = unary.argmin(2)                                     # each position on its own
    energy = chain_energy(unary, transitions, labels, lengths)
    return labels.masked_fill(~mask, PAD), energy
''', "position by position (ignores the transitions)"),

    # ---- Part 3: log Z
    ("logz_beta_not_on_transitions", LOGZ, [("a[:, :, None] - beta * transitions", "a[:, :, None] - transitions")],
     "beta multiplies the unaries only (right for beta = 1)"),
    ("logz_beta_outside", LOGZ, [("a = -beta * unary[:, 0]", "a = -unary[:, 0]"),
                                 ("a[:, :, None] - beta * transitions, dim=1) - beta * unary[:, t]",
                                  "a[:, :, None] - transitions, dim=1) - unary[:, t]"),
                                 ("return torch.logsumexp(a, dim=1)", "return beta * torch.logsumexp(a, dim=1)")],
     "beta log Z_1 instead of log Z_beta"),
    ("logz_product_space", LOGZ, '''
def log_partition(unary, transitions, lengths, beta=1.0):
    B, N, C = unary.shape
    mask = torch.arange(N, device=unary.device)[None, :] < lengths[:, None].to(unary.device)
    alpha = torch.exp(-beta * unary[:, 0])
    for t in range(1, N):
        step = (alpha[:, :, None] * torch.exp(-beta * transitions)).sum(1) * torch.exp(-beta * unary[:, t])
        alpha = torch.where(mask[:, t, None], step, alpha)
    return torch.log(alpha.sum(1))
''', "the forward algorithm in probability space: overflows or underflows on long sequences"),
    ("logz_runs_into_padding", LOGZ, [("a = torch.where(mask[:, t, None], step, a)", "a = step")], "padding counted"),
    ("logz_transitions_transposed", LOGZ, [("a[:, :, None] - beta * transitions", "a[:, :, None] - beta * transitions.T")],
     "W(j, i) for the step i -> j"),
    ("logz_max", LOGZ, [("step = torch.logsumexp(a[:, :, None] - beta * transitions, dim=1)",
                         "step = (a[:, :, None] - beta * transitions).max(dim=1).values")], "a max instead of a logsumexp"),
    ("logz_sum_over_next", LOGZ, [("torch.logsumexp(a[:, :, None] - beta * transitions, dim=1)",
                                   "torch.logsumexp(a[:, None, :] - beta * transitions, dim=2)")], "summed over the wrong label"),
    ("logz_detached", LOGZ, [("return torch.logsumexp(a, dim=1)", "return torch.logsumexp(a, dim=1).detach()")],
     "no gradient: the marginals are lost"),

    # ---- Part 4: loss-augmented decoding
    ("augmented_sign", AUGMENTED, [("viterbi(unary - margin * wrong", "viterbi(unary + margin * wrong")], "wrong labels penalised"),
    ("augmented_rewards_correct", AUGMENTED, [("viterbi(unary - margin * wrong", "viterbi(unary - margin * (1 - wrong)")],
     "the correct labels rewarded instead of the wrong ones"),
    ("augmented_plain_energy", AUGMENTED, [("    return viterbi(unary - margin * wrong, transitions, lengths)",
                                            "    labels, _ = viterbi(unary - margin * wrong, transitions, lengths)\n"
                                            "    return labels, chain_energy(unary, transitions, labels, lengths)")],
     "returns E(x, y_bar) without the margin term"),
    ("augmented_fixed_margin", AUGMENTED, [("viterbi(unary - margin * wrong", "viterbi(unary - 1.0 * wrong")], "margin ignored"),
    ("augmented_no_clamp", AUGMENTED, [("one_hot(y.clamp(min=0), C)", "one_hot(y, C)")], "-1 padding in y breaks one_hot"),

    # ---- Part 5a: the hinge loss
    ("hinge_augmented_value_detached", HINGE, '''
def hinge_loss(unary, transitions, y, lengths, margin=1.0):
    correct = chain_energy(unary, transitions, y, lengths)
    with torch.no_grad():
        _, augmented = loss_augmented_viterbi(unary, transitions, y, lengths, margin)
    return (correct - augmented).mean()
''', "the offending answer's energy carries no gradient"),
    ("hinge_no_margin_term", HINGE, [("chain_energy(unary, transitions, offending, lengths) + margin * distance).mean()",
                                      "chain_energy(unary, transitions, offending, lengths)).mean()")],
     "the margin term forgotten"),
    ("hinge_distance_counts_padding", HINGE, [("distance = ((offending != y) & mask).sum(1)", "distance = (offending != y).sum(1)")],
     "the Hamming distance counts padded positions"),
    ("hinge_sum", HINGE, [("+ margin * distance).mean()", "+ margin * distance).sum()")], "the sum over the batch"),
    ("hinge_plain_viterbi", HINGE, [("offending, _ = loss_augmented_viterbi(unary, transitions, y, lengths, margin)",
                                     "offending, _ = viterbi(unary, transitions, lengths)")], "the most offending answer without the margin"),
    ("hinge_fixed_margin_decoding", HINGE, [("loss_augmented_viterbi(unary, transitions, y, lengths, margin)",
                                             "loss_augmented_viterbi(unary, transitions, y, lengths, 1.0)")],
     "decodes with margin 1 whatever the margin"),

    # ---- Part 5b: training
    ("train_no_shuffle", TRAIN, [("order = torch.randperm(S, generator=generator)", "order = torch.arange(S)")], "never shuffled"),
    ("train_fixed_margin", TRAIN, [("data.lengths[idx], margin)", "data.lengths[idx], 1.0)")], "margin ignored"),
    ("train_default_lr", TRAIN, [("torch.optim.Adam(model.parameters(), lr=lr)", "torch.optim.Adam(model.parameters())")],
     "lr ignored"),
    ("train_global_randperm", TRAIN, [("torch.randperm(S, generator=generator)", "torch.randperm(S)")], "shuffles from the global RNG"),
    ("train_fixed_batch_size", TRAIN, [("for start in range(0, S, batch_size):\n            idx = order[start:start + batch_size]",
                                        "for start in range(0, S, 50):\n            idx = order[start:start + 50]")],
     "batch_size ignored"),
    ("train_no_zero_grad", TRAIN, [("            optimizer.zero_grad()\n", "")], "gradients accumulate"),
    ("train_transitions_frozen", TRAIN, [("torch.optim.Adam(model.parameters(), lr=lr)", "torch.optim.Adam(model.unary_net.parameters(), lr=lr)")],
     "only the unary network is optimised"),
    ("train_fixed_epochs", TRAIN, [("for _ in range(epochs):", "for _ in range(40):")], "epochs ignored"),
    ("train_drops_last_batch", TRAIN, [("            idx = order[start:start + batch_size]\n",
                                        "            idx = order[start:start + batch_size]\n"
                                        "            if len(idx) < batch_size:\n"
                                        "                continue\n")], "the ragged last batch is skipped"),
    ("train_global_init", TRAIN, [("model = make_tagger(generator)", "model = make_tagger(torch.default_generator)")],
     "the initial weights from the global RNG"),

    # ---- Part 6
    ("answers_q1", ANSWERS, [('ANSWER_Q1 = "B"', 'ANSWER_Q1 = "A"')], "Q1 wrong"),
    ("answers_q2", ANSWERS, [('ANSWER_Q2 = "B"', 'ANSWER_Q2 = "A"')], "Q2 wrong"),
]

CORRECT = [
    ("energy_time_loop", ENERGY, '''
def chain_energy(unary, transitions, y, lengths):
    B, N, C = unary.shape
    total = unary.new_zeros(B)
    for t in range(N):
        on = lengths.to(unary.device) > t                      # (B,)
        label = torch.where(on, y[:, t], torch.zeros_like(y[:, t]))
        total = total + torch.where(on, unary[torch.arange(B), t, label], unary.new_zeros(()))
        if t > 0:
            previous = torch.where(on, y[:, t - 1], torch.zeros_like(label))
            total = total + torch.where(on, transitions[previous, label], unary.new_zeros(()))
    return total
''', "a loop over time steps"),
    ("viterbi_pointer_tensor", VITERBI, '''
def viterbi(unary, transitions, lengths):
    B, N, C = unary.shape
    lengths = lengths.to(unary.device)
    scores = [unary[:, 0]]
    back = torch.zeros(B, N, C, dtype=torch.long, device=unary.device)
    for t in range(1, N):
        value, index = torch.min(scores[-1].unsqueeze(2) + transitions.unsqueeze(0), dim=1)
        scores.append(value + unary[:, t])
        back[:, t] = index
    table = torch.stack(scores, 1)                                        # (B, N, C)
    rows = torch.arange(B, device=unary.device)
    energy, last = table[rows, lengths - 1].min(1)                          # each sequence ends at L_b - 1
    labels = torch.full((B, N), PAD, dtype=torch.long, device=unary.device)
    current = last
    for t in range(N - 1, -1, -1):
        inside = t <= lengths - 1
        current = torch.where(t == lengths - 1, last, current)              # start the backtrace at the end
        labels[:, t] = torch.where(inside, current, labels[:, t])
        if t > 0:
            current = torch.where(inside, back[rows, t, current], current)
    return labels, energy
''', "all the scores kept, the backtrace starts at each sequence's own end"),
    ("logz_manual_shift", LOGZ, '''
def log_partition(unary, transitions, lengths, beta=1.0):
    B, N, C = unary.shape
    alphas = [-beta * unary[:, 0]]
    for t in range(1, N):
        s = alphas[-1][:, :, None] - beta * transitions[None]                 # (B, C, C)
        top = s.max(dim=1, keepdim=True).values
        alphas.append(top[:, 0] + torch.log(torch.exp(s - top).sum(1)) - beta * unary[:, t])
    final = torch.stack(alphas, 1)[torch.arange(B), lengths.to(unary.device) - 1]   # (B, C) at each end
    top = final.max(1, keepdim=True).values
    return top[:, 0] + torch.log(torch.exp(final - top).sum(1))
''', "logsumexp by hand, the ends picked out at the end"),
    ("augmented_scatter", AUGMENTED, '''
def loss_augmented_viterbi(unary, transitions, y, lengths, margin):
    valid = (y >= 0).unsqueeze(-1)
    bonus = torch.zeros_like(unary).scatter_(2, y.clamp(min=0).unsqueeze(-1), margin) * valid
    return viterbi(unary - margin + bonus, transitions, lengths)
''', "subtract the margin everywhere, give it back to the correct labels"),
    ("hinge_augmented_energy", HINGE, '''
def hinge_loss(unary, transitions, y, lengths, margin=1.0):
    with torch.no_grad():
        y_bar, _ = loss_augmented_viterbi(unary, transitions, y, lengths, margin)
    C = unary.shape[-1]
    penalty = margin * (1 - nn.functional.one_hot(y.clamp(min=0), C).to(unary.dtype))
    violation = chain_energy(unary, transitions, y, lengths) - chain_energy(unary - penalty, transitions, y_bar, lengths)
    return violation.mean()
''', "the augmented energy of y_bar as a chain energy with shifted unaries"),
    ("train_index_select", TRAIN, '''
def train_tagger(data, *, epochs=40, lr=2e-2, batch_size=50, margin=1.0, generator):
    model = make_tagger(generator)
    opt = torch.optim.Adam(list(model.parameters()), lr=lr)
    for epoch in range(epochs):
        perm = torch.randperm(len(data.x), generator=generator)
        for idx in perm.split(batch_size):
            opt.zero_grad(set_to_none=True)
            x, y, lengths = (t.index_select(0, idx) for t in (data.x, data.y, data.lengths))
            hinge_loss(model.unary(x), model.transitions, y, lengths, margin=margin).backward()
            opt.step()
    return model
''', "index_select, perm.split, zero_grad first"),
    ("answers_same", ANSWERS, '''
ANSWER_Q1 = "B"
ANSWER_Q2 = "B"
''', "the answers without the template lines"),
]
