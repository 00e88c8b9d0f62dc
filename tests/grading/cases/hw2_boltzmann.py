"""The cheating student of hw2_boltzmann (see tests/grading/test_assignments.py)."""

# Passes the visible asserts of test_pcd_step (shapes, chains, db) but never computes dW or dc.
HARD_CODED = {
    "pcd_step": '''
def pcd_step(v, W, b, c, chains, k, *, generator):
    new_chains = chains
    for _ in range(k):
        new_chains = gibbs_step(new_chains, W, b, c, generator=generator)[1]
    return torch.zeros_like(W), v.mean(0) - new_chains.mean(0), torch.zeros_like(c), new_chains
''',
}

# Calls energylab's reference instead of enumerating the smaller layer.
LIBRARY_CALLING = {
    "exact_log_partition": '''
import energylab.models.rbm as _lib

def exact_log_partition(W, b, c):
    rbm = _lib.BernoulliRBM(W.shape[0], W.shape[1], dtype=W.dtype)
    with torch.no_grad():
        for mine, given in zip((rbm.W, rbm.b, rbm.c), (W, b, c)):
            mine.copy_(given)
        return rbm.log_partition()
''',
}

# The test cells that must give these answers 0 points (hidden tests, run with the reference disabled).
CHEATED_TESTS = ["test_pcd_step", "test_exact_log_partition"]
