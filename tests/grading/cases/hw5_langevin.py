"""The cheating student of hw5_langevin (see tests/grading/test_assignments.py)."""

# Passes the visible asserts of test_ula_variance (and the variance check of test_run_sgld) with
# constants for the step sizes the visible tests use, no formula at all.
HARD_CODED = {
    "ula_variance": '''
def ula_variance(s2, step_size, noise_scale):
    if step_size >= 2 * s2:
        raise ValueError("unstable")
    if noise_scale == 0:
        return 0.0
    return 1 / 0.9 if step_size == 0.2 else 4 / 3
''',
}

# Calls energylab's reference step instead of computing the gradient: the hidden tests, which switch the
# reference off, fail it; the parts built on it (run_sgld, train_jem) are graded with a correct sgld_step in its
# place and keep their points.
LIBRARY_CALLING = {
    "sgld_step": '''
from energylab.samplers.langevin import langevin_step as _reference_step

def sgld_step(energy, x, step_size, noise_scale, noise):
    return _reference_step(energy, x, step_size=step_size, noise_scale=noise_scale, noise=noise)
''',
}

# The test cells that must give these answers 0 points (hidden tests, run with the reference disabled).
CHEATED_TESTS = ["test_ula_variance", "test_sgld_step"]
