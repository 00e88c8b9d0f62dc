"""The cheating student of hw1_mdn (see tests/grading/test_assignments.py)."""

# Passes the visible asserts of test_sample_mixture with constants, no sampling at all.
HARD_CODED = {
    "sample_mixture": '''
def sample_mixture(params, n_samples, *, generator):
    out = torch.empty(n_samples, 2, 2)
    out[:, 0] = torch.tensor([0.8, 0.7])
    out[:, 1] = 5.0
    return out
''',
}

# Calls energylab's reference instead of implementing the mode search.
LIBRARY_CALLING = {
    "mixture_modes": '''
from energylab.models.mdn import mixture_modes as _reference_modes

def mixture_modes(params, n_steps=200, tol=1e-8, merge_radius=None):
    return _reference_modes(MixtureParams(*params), n_steps=n_steps, tol=1e-7).as_list()
''',
}

# The test cells that must give these answers 0 points (hidden tests, run with the reference disabled).
# test_point_predictions keeps its points: it is graded with a correct mixture_modes in place of this one.
CHEATED_TESTS = ["test_sample_mixture", "test_mixture_modes_1d", "test_mixture_modes_nd"]
