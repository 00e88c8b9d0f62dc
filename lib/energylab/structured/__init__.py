r"""Structured prediction on sequences: chain energies and dynamic programming.

Sign and temperature conventions (the same in every function):
``E(x, y)`` low = good; ``p_beta(y | x) = exp(-beta E(x, y)) / Z_beta(x)``;
free energy ``F_beta = -(1/beta) log Z_beta`` (``-> min_y E`` as ``beta -> inf``).

* :mod:`.chain` -- ``E(x, y) = sum_t U_t(y_t) + sum_t W(y_t, y_{t+1})``, lengths, ``PAD``;
* :mod:`.semiring` -- what "adding up paths" means: min (Viterbi), softmin at beta (free
  energy, log Z), k-min (k best);
* :mod:`.dp` -- the one chain recursion, for every semiring, and its backtrace;
* :mod:`.fast` -- the same recursion rearranged for speed (used where it applies, tested equal);
* :mod:`.inference` -- Viterbi, k-best, loss-augmented decoding, forward algorithm, marginals;
* :mod:`.model` -- :class:`ChainEnergy`, the learnable chain energy (a tagger);
* :mod:`.losses` -- perceptron, hinge (Hamming margin), NLL over sequences;
* :mod:`.factor_graph` -- the lecture's four-variable factor graph: exhaustive search vs trellis;
* :mod:`.dtw` -- dynamic time warping (a latent alignment) with its path;
* :mod:`.templates` -- a DTW word recogniser whose templates are trained through the alignment;
* :mod:`.hmm` -- hidden Markov models as chain energies: EM (Baum-Welch) and variational Bayes;
* :mod:`.segmentation` -- latent segmentation ``F(x, y) = min_z E(x, y, z)``: a digit-string reader;
* :mod:`.graphs` -- recognition graphs composed with grammars, decoded and normalised by the chain DP.
"""
from .chain import (PAD, Sparse, chain_energy, check_chain, check_labels, check_lengths, check_potentials, hamming,
                    mask_from_lengths)
from .semiring import MIN_SUM, KMin, Semiring, softmin
from .dp import backtrace, chain_dp
from .fast import meet_in_the_middle_viterbi, scaled_forward
from .inference import (
    Decoded,
    free_energy,
    kbest_viterbi,
    log_partition,
    loss_augmented_viterbi,
    marginals,
    most_offending_incorrect,
    viterbi,
)
from .model import ChainEnergy
from .losses import sequence_hinge_loss, sequence_loss, sequence_nll_loss, sequence_perceptron_loss
from .dtw import Alignment, accumulate, dtw, pairwise_distances
from .templates import DTWRecogniser, dtw_free_energy
from .hmm import (
    HMM, Counts, baum_welch, dirichlet_kl, expected_counts, expected_log_parameters, match_states, maximise,
    sample_hmm, variational_bayes,
)
from .factor_graph import FactorChain, build_trellis, exhaustive_search, lecture_factor_graph, trellis_search
from .segmentation import DigitStringReader, Reading, string_accuracy
from .graphs import EPS, ChainGraph, Grammar, compose, graph_free_energy, graph_viterbi, segmentation_graph

__all__ = [
    "PAD", "Sparse", "chain_energy", "check_chain", "check_labels", "check_lengths", "check_potentials", "hamming",
    "mask_from_lengths",
    "MIN_SUM", "KMin", "Semiring", "softmin", "backtrace", "chain_dp", "meet_in_the_middle_viterbi",
    "scaled_forward", "ChainEnergy",
    "Decoded", "free_energy", "kbest_viterbi", "log_partition", "loss_augmented_viterbi",
    "marginals", "most_offending_incorrect", "viterbi",
    "sequence_hinge_loss", "sequence_loss", "sequence_nll_loss", "sequence_perceptron_loss",
    "Alignment", "accumulate", "dtw", "pairwise_distances", "DTWRecogniser", "dtw_free_energy",
    "HMM", "Counts", "baum_welch", "dirichlet_kl", "expected_counts", "expected_log_parameters", "match_states",
    "maximise", "sample_hmm", "variational_bayes",
    "FactorChain", "build_trellis", "exhaustive_search", "lecture_factor_graph", "trellis_search",
    "DigitStringReader", "Reading", "string_accuracy",
    "EPS", "ChainGraph", "Grammar", "compose", "graph_free_energy", "graph_viterbi", "segmentation_graph",
]
