"""Test-wide settings: one torch thread (2-core CI machines slow down badly when
torch's threads fight with another process), float64 helpers, repo paths."""
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def generator():
    """A seeded torch.Generator: tests pass their randomness explicitly."""
    g = torch.Generator()
    g.manual_seed(1234)
    return g
