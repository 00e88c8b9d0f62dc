"""Bad inputs to energylab.structured get a ValueError/TypeError naming the argument (issue 18's
structured findings), or a documented NaN-in/NaN-out; padding and off-path infinities are inert."""
import math

import numpy as np
import pytest
import torch

from energylab.structured import (
    MIN_SUM,
    ChainEnergy,
    DigitStringReader,
    FactorChain,
    Reading,
    backtrace,
    chain_dp,
    chain_energy,
    dtw,
    exhaustive_search,
    hamming,
    log_partition,
    loss_augmented_viterbi,
    marginals,
    mask_from_lengths,
    meet_in_the_middle_viterbi,
    pairwise_distances,
    scaled_forward,
    sequence_nll_loss,
    string_accuracy,
    trellis_search,
    viterbi,
)

U, W = torch.zeros(2, 3, 4), torch.zeros(4, 4)


@pytest.mark.parametrize("unary", [np.zeros((2, 3, 4)), [[[0.0] * 4] * 3] * 2, torch.zeros(2, 3, 4, dtype=torch.long), 3])
def test_marginals_of_non_float_tensors(unary):
    with pytest.raises(TypeError, match="unary"):
        marginals(unary, W)


def test_negative_labels_inside_the_valid_length():
    y = torch.tensor([[0, -1, 2], [1, 1, 1]])
    lengths = torch.tensor([3, 2])
    for fn in (lambda: chain_energy(U, W, y, lengths), lambda: sequence_nll_loss(U, W, y, lengths),
               lambda: loss_augmented_viterbi(U, W, y, lengths)):
        with pytest.raises(ValueError, match=r"y: expected labels in \[0, 3\].*y\[0, 1\] = -1"):
            fn()
    # after the length anything goes, PAD or not
    y_ok = torch.tensor([[0, 1, 2], [1, 1, -7]])
    assert torch.isfinite(chain_energy(U, W, y_ok, lengths)).all()
    with pytest.raises(ValueError, match="y"):
        chain_energy(U, W, torch.tensor([[0, 4, 2], [1, 1, 1]]), lengths)
    with pytest.raises(TypeError, match="y"):
        chain_energy(U, W, torch.zeros(2, 3), lengths)


def test_hamming_checks_its_arguments():
    y = torch.tensor([[0, 1, 2]])
    assert hamming(y, torch.tensor([[0, 2, 2]])).item() == 1
    with pytest.raises(TypeError, match="y_hat"):
        hamming(y, torch.tensor([[0.0, 2.0, 2.0]]))
    with pytest.raises(TypeError, match="y"):
        hamming([[0, 1, 2]], y)
    with pytest.raises(ValueError, match="y_hat"):
        hamming(y, torch.tensor([[0, 2]]))
    with pytest.raises(ValueError, match="y: expected 2 dimensions"):      # a shape error (the _checks rule)
        hamming(torch.tensor([0, 1]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="lengths"):
        hamming(y, y, torch.tensor([4]))
    with pytest.raises(TypeError, match="lengths"):
        hamming(y, y, [3])


def test_dtw_with_inf_off_the_path_and_nan():
    cost = torch.ones(4, 4)
    cost[0, 3] = cost[3, 0] = math.inf                           # far from the diagonal
    result = dtw(cost)
    assert float(result.distance) == 4.0
    blocked = torch.full((3, 3), math.inf)
    assert float(dtw(blocked).distance) == math.inf              # no finite path: inf, not NaN
    assert torch.isnan(dtw(torch.full((3, 3), math.nan)).distance)   # NaN in, NaN out
    with pytest.raises(TypeError, match="b"):
        pairwise_distances(torch.zeros(3, 2), torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="b"):
        pairwise_distances(torch.zeros(2, 3, 2), torch.zeros(3, 3, 2))


def test_infinite_and_nan_arguments():
    with pytest.raises(ValueError, match="margin"):
        loss_augmented_viterbi(U, W, torch.zeros(2, 3, dtype=torch.long), margin=math.inf)
    for beta in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError, match="beta"):
            log_partition(U, W, beta=beta)
    with pytest.raises(ValueError, match="beta"):
        log_partition(U, W, beta=math.inf)                        # log Z diverges at zero temperature
    with pytest.raises(TypeError, match="beta"):
        marginals(U, W, beta="1")
    nan = U.clone()
    nan[0, 1, 2] = math.nan
    assert torch.isnan(log_partition(nan, W)[0]) and torch.isfinite(log_partition(nan, W)[1])


def test_the_recursion_and_its_fast_paths_check_their_arguments():
    with pytest.raises(TypeError, match="semiring"):
        chain_dp("min", U, W)
    with pytest.raises(TypeError, match="unary"):
        scaled_forward(U.numpy(), W)
    with pytest.raises(ValueError, match="lengths"):
        meet_in_the_middle_viterbi(U, W, torch.tensor([0, 2]))
    with pytest.raises(ValueError, match="transitions"):
        meet_in_the_middle_viterbi(U, W.expand(2, 4, 4))
    with pytest.raises(TypeError, match="messages"):
        backtrace(MIN_SUM, [1, 2], W, torch.tensor([3, 3]))
    with pytest.raises(ValueError, match="semiring: expected zero temperature"):
        _, messages = chain_dp(MIN_SUM, U, W)
        from energylab.structured import Semiring
        backtrace(Semiring(1.0), messages, W, torch.tensor([3, 3]))
    with pytest.raises(TypeError, match="lengths"):
        mask_from_lengths([3, 2], 3)
    with pytest.raises(ValueError, match="n"):
        mask_from_lengths(torch.tensor([3, 2]), -1)


def test_models_say_which_dtype_they_want():
    model = ChainEnergy(3, 2)
    with pytest.raises(TypeError, match="x: expected dtype torch.float32"):
        model.decode(torch.zeros(2, 4, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="x"):
        model.unary(np.zeros((2, 4, 2)))
    reader = DigitStringReader(hidden=4)
    images, widths = torch.zeros(2, 8, 10, dtype=torch.float64), torch.tensor([5, 10])
    with pytest.raises(TypeError, match="images: expected dtype torch.float32"):
        reader.read(images, widths)
    with pytest.raises(TypeError, match="reading"):
        string_accuracy((1, 2), torch.zeros(2, 2, dtype=torch.long), torch.zeros(2, dtype=torch.long))
    reading = Reading(torch.zeros(2, 2, dtype=torch.long), torch.ones(2, dtype=torch.long),
                      torch.zeros(2, 2, 2, dtype=torch.long), torch.zeros(2))
    with pytest.raises(TypeError, match="n_digits"):
        string_accuracy(reading, torch.zeros(2, 2, dtype=torch.long), torch.ones(2))
    with pytest.raises(ValueError, match="labels: expected digits"):
        string_accuracy(reading, torch.full((2, 2), 10), torch.ones(2, dtype=torch.long))
    empty = reader.read(torch.zeros(0, 8, 10), torch.zeros(0, dtype=torch.long))      # an empty batch reads nothing
    assert empty.labels.shape == (0, 1) and empty.segments.shape == (0, 1, 2) and empty.energy.shape == (0,)


def test_factor_graphs_check_their_arguments():
    with pytest.raises(TypeError, match="first"):
        FactorChain(["a", "b"], [2, 2], [0.0, 1.0], [torch.zeros(2, 2)])
    with pytest.raises(TypeError, match=r"pairs\[0\]"):
        FactorChain(["a", "b"], [2, 2], torch.zeros(2), [[[0.0, 1.0], [1.0, 0.0]]])
    with pytest.raises(TypeError, match="graph"):
        exhaustive_search("graph")
    with pytest.raises(TypeError, match="graph_or_trellis"):
        trellis_search(None)
    with pytest.raises(TypeError, match="cards"):
        FactorChain(["a"], 2, torch.zeros(2), [])


def test_viterbi_errors_name_the_argument():
    with pytest.raises(TypeError, match="transitions"):
        viterbi(U, np.zeros((4, 4)))
    with pytest.raises(TypeError, match="start"):
        viterbi(U, W, start=torch.zeros(4, dtype=torch.float64))
    with pytest.raises(ValueError, match="end"):
        viterbi(U, W, end=torch.zeros(3))
    with pytest.raises(TypeError, match="lengths"):
        viterbi(U, W, lengths=[3, 3])
    with pytest.raises(ValueError, match="lengths"):
        viterbi(U, W, lengths=torch.tensor([3.0, 3.0]))
