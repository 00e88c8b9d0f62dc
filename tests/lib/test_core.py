"""Top-level helpers: device selection, seeding, the fit loop."""
import pytest
import torch

import energylab
from energylab.train import History, batches, fit


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


def test_fit_sampler_hook_gets_frozen_parameters_and_feeds_the_loss(generator):
    """The hook draws contrastive samples with the parameters frozen; the loss receives them
    detached; one Adam step per batch; record="step" logs every step."""
    x = torch.randn(12, 2, generator=generator)
    model = torch.nn.Linear(2, 1)
    seen = []

    def sample(m, xb):
        seen.append(all(not p.requires_grad for p in m.parameters()))
        noise = torch.randn(xb.shape, generator=generator, requires_grad=True)
        return noise * 2.0                                        # a graph the loop must cut

    def loss_fn(m, xb, samples):
        assert not samples.requires_grad
        return {"loss": m(xb).mean() - m(samples).mean(), "n": float(len(xb))}

    steps = []
    history = fit(model, loss_fn, (x,), epochs=2, batch_size=5, sample=sample, record="step",
                  generator=generator, progress=False, callback=lambda step, h: steps.append(step))
    assert seen == [True] * 6 and steps == list(range(6))
    assert history["n"] == [5.0, 5.0, 2.0] * 2
    assert all(p.requires_grad for p in model.parameters())


def test_fit_without_shuffling_is_a_plain_full_batch_adam_loop(generator):
    x = torch.randn(30, 3, generator=generator, dtype=torch.float64)
    y = torch.randn(30, 1, generator=generator, dtype=torch.float64)
    ours, theirs = torch.nn.Linear(3, 1).double(), torch.nn.Linear(3, 1).double()
    theirs.load_state_dict(ours.state_dict())
    state = torch.random.get_rng_state()
    history = fit(ours, lambda m, a, b: (m(a) - b).pow(2).mean(), (x, y), epochs=25, lr=0.05, shuffle=False,
                  progress=False)
    assert torch.equal(torch.random.get_rng_state(), state)   # no random numbers drawn
    optimizer = torch.optim.Adam(theirs.parameters(), lr=0.05)
    for _ in range(25):
        loss = (theirs(x) - y).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert history.last() == loss.item()
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))


def test_batches_is_one_shuffled_epoch(generator):
    x, y = torch.arange(10.0)[:, None], torch.arange(10)
    parts = list(batches((x, y), 4, generator=generator))
    assert [len(b[0]) for b in parts] == [4, 4, 2]
    assert sorted(torch.cat([b[1] for b in parts]).tolist()) == list(range(10))
    assert all(torch.equal(b[0][:, 0].long(), b[1]) for b in parts)          # rows stay aligned
    assert torch.equal(torch.cat([b[1] for b in batches((x, y), 3, shuffle=False)]), y)
    with pytest.raises(TypeError, match="tensors"):
        list(batches(x, 4))


def test_fit_rejects_a_bad_record_or_sampler():
    model = torch.nn.Linear(1, 1)
    with pytest.raises(ValueError, match="record"):
        fit(model, None, (torch.zeros(3, 1),), record="batch")
    with pytest.raises(TypeError, match="sample"):
        fit(model, None, (torch.zeros(3, 1),), sample=3)
