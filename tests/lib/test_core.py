"""Top-level helpers: device selection, seeding, the fit loop."""
import pytest
import torch

import energylab
from energylab.train import History, fit


def test_device_default_and_override(monkeypatch):
    monkeypatch.delenv("ENERGYLAB_DEVICE", raising=False)
    assert energylab.device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setenv("ENERGYLAB_DEVICE", "cpu")
    assert energylab.device() == torch.device("cpu")
    monkeypatch.setenv("ENERGYLAB_DEVICE", "not-a-device")
    with pytest.raises(ValueError, match="ENERGYLAB_DEVICE"):
        energylab.device()
    if not torch.cuda.is_available():
        monkeypatch.setenv("ENERGYLAB_DEVICE", "cuda")
        with pytest.raises(ValueError, match="CUDA is not available"):
            energylab.device()


def test_seed_makes_runs_repeatable():
    g1 = energylab.seed(3)
    a = (torch.rand(3), torch.rand(3, generator=g1))
    g2 = energylab.seed(3)
    b = (torch.rand(3), torch.rand(3, generator=g2))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    with pytest.raises(ValueError, match="seed"):
        energylab.seed(-1)


def test_fit_recovers_linear_regression(generator):
    x = torch.randn(256, 3, generator=generator, dtype=torch.float64)
    w = torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)
    y = x @ w + 0.3
    model = torch.nn.Linear(3, 1).double()
    history = fit(model, lambda m, xb, yb: ((m(xb) - yb) ** 2).mean(), (x, y), epochs=300, lr=0.05,
                  batch_size=64, generator=generator, progress=False)
    assert isinstance(history, History) and len(history["loss"]) == 300
    assert history.last() < 1e-6
    torch.testing.assert_close(model.weight.detach().T, w, atol=1e-3, rtol=0)


def test_fit_logs_dict_outputs_and_calls_back(generator):
    x = torch.randn(20, 1, generator=generator)
    calls = []
    model = torch.nn.Linear(1, 1)
    history = fit(model, lambda m, xb: {"loss": m(xb).pow(2).mean(), "mean": m(xb).mean()}, (x,), epochs=3,
                  progress=False, callback=lambda epoch, h: calls.append(epoch))
    assert set(history) == {"loss", "mean"} and calls == [0, 1, 2]


def test_fit_clear_errors():
    model = torch.nn.Linear(1, 1)
    with pytest.raises(TypeError, match="data"):
        fit(model, None, torch.zeros(3, 1))
    with pytest.raises(ValueError, match="data"):
        fit(model, None, (torch.zeros(3, 1), torch.zeros(4, 1)))
    with pytest.raises(ValueError, match="epochs"):
        fit(model, None, (torch.zeros(3, 1),), epochs=0)
