"""The cheating student of hw4_generator (see tests/grading/test_assignments.py)."""

# Passes the visible asserts of test_refine with constants, no descent at all.
HARD_CODED = {
    "refine": '''
def refine(energy, x, y0, *, steps, lr):
    if y0.shape == (2, 2):
        return torch.tensor([[0.2, 0.9], [1.0, 0.0]])
    return y0.detach().clone()
''',
}

# Calls energylab's reference instead of writing the PCA completion.
LIBRARY_CALLING = {
    "pca_complete": '''
from energylab.inpainting import PCACompletion as _PCACompletion

def pca_complete(x_train, y_train, x_test, n_components):
    return _PCACompletion(n_components).fit(x_train, y_train).complete(x_test)
''',
}

# The test cells that must give these answers 0 points (hidden tests, run with the reference disabled).
CHEATED_TESTS = ["test_refine", "test_pca_complete"]
