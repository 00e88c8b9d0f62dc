"""The cheating student of hw3_structured (see tests/grading/test_assignments.py)."""

# Passes the visible asserts of test_viterbi with constants and a brute-force call (the helper
# is switched off in the hidden tests, and the constants are wrong on fresh instances); on
# instances too big to enumerate it guesses greedily.
HARD_CODED = {
    "viterbi": '''
def viterbi(unary, transitions, lengths):
    if unary.shape == (1, 3, 2):
        return torch.tensor([[0, 0, 0]]), torch.tensor([6.0])
    labels = torch.full(unary.shape[:2], -1, dtype=torch.long)
    energy = torch.empty(unary.shape[0], dtype=unary.dtype)
    if unary.shape[2] ** unary.shape[1] > 1000:                   # too big to enumerate: guess greedily
        labels = unary.argmin(2)
        return labels, unary.min(2).values.sum(1)
    for b in range(unary.shape[0]):
        seqs, energies = brute_force_energies(unary[b], transitions, int(lengths[b]))
        labels[b, : int(lengths[b])] = seqs[energies.argmin()]
        energy[b] = energies.min()
    return labels, energy
''',
}

# Calls energylab's reference instead of implementing the forward algorithm.
LIBRARY_CALLING = {
    "log_partition": '''
from energylab.structured import log_partition as _reference_log_partition

def log_partition(unary, transitions, lengths, beta=1.0):
    return _reference_log_partition(unary, transitions, lengths, beta=beta)
''',
}

# The test cells that must give these answers 0 points (hidden tests, run with the reference disabled).
# Parts 4 and 5 use viterbi, but they are graded with a correct viterbi in its place: they keep their points.
CHEATED_TESTS = ["test_viterbi", "test_log_partition"]
