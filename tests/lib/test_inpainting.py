"""energylab.data.digits and energylab.inpainting: the inpainting data, the PCA and
regression baselines, and the metrics -- against sklearn, least squares and brute force."""
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from energylab.data.digits import digits_inpainting, hidden_pixels, join_images, split_images
from energylab.plot import plot_completions
from energylab.inpainting import (
    PCACompletion,
    RegressionMLP,
    best_of_mse,
    completion_mse,
    fit_regression,
    nearest_completions,
)


@pytest.fixture(scope="module")
def data():
    return digits_inpainting(generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def test_split_is_deterministic_disjoint_and_complete(data):
    again = digits_inpainting(generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    other = digits_inpainting(generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert all(torch.equal(a, b) for a, b in zip(data, again))
    assert not torch.equal(data.x_train, other.x_train)
    assert data.x_train.shape == (1348, 32) and data.y_test.shape == (449, 32)
    assert data.hidden[4:].all() and not data.hidden[:4].any()
    # every digit appears exactly once across train and test
    images = torch.cat([join_images(data.x_train, data.y_train), join_images(data.x_test, data.y_test)])
    reference = torch.as_tensor(load_digits().data, dtype=torch.float64) / 16
    assert images.shape == (1797, 8, 8) and 0 <= images.min() and images.max() <= 1
    key = lambda t: sorted(map(tuple, t.reshape(len(t), -1).tolist()))  # noqa: E731
    assert key(images) == key(reference)


def test_split_and_join_are_inverse_for_every_hidden_region(generator):
    images = torch.rand(7, 8, 8, generator=generator)
    for name in ("bottom", "top", "left", "right", "center"):
        x, y = split_images(images, name)
        hidden = hidden_pixels(name)
        assert y.shape == (7, int(hidden.sum())) and x.shape == (7, 64 - int(hidden.sum()))
        torch.testing.assert_close(y, images[:, hidden])
        torch.testing.assert_close(join_images(x, y, name), images)


def test_pca_least_squares_completion_matches_lstsq(data):
    pca = PCACompletion(8, probabilistic=False).fit(data.x_train, data.y_train)
    v_x, v_y = pca.components_[:, :32], pca.components_[:, 32:]
    coeffs = torch.linalg.lstsq(v_x.T, (data.x_test - pca.mean_[:32]).T).solution.T
    torch.testing.assert_close(pca.complete(data.x_test), pca.mean_[32:] + coeffs @ v_y)


def test_pca_matches_sklearn_subspace_and_gaussian_conditional(data):
    k = 12
    pca = PCACompletion(k).fit(data.x_train, data.y_train)
    full = torch.cat([data.x_train, data.y_train], dim=1).numpy()
    sk = PCA(n_components=k).fit(full)
    components = torch.as_tensor(sk.components_)
    torch.testing.assert_close(pca.components_.T @ pca.components_, components.T @ components)  # same subspace
    torch.testing.assert_close(pca.variances_, torch.as_tensor(sk.explained_variance_))
    torch.testing.assert_close(pca.noise_variance_, torch.tensor(sk.noise_variance_, dtype=torch.float64))
    # probabilistic PCA: E[Y | X] = μ_Y + C_YX C_XX⁻¹ (X − μ_X) with sklearn's model covariance
    cov, mean = torch.as_tensor(sk.get_covariance()), torch.as_tensor(sk.mean_)
    expected = mean[32:] + (cov[32:, :32] @ torch.linalg.solve(cov[:32, :32], (data.x_test - mean[:32]).T)).T
    torch.testing.assert_close(pca.complete(data.x_test), expected)


def test_pca_recovers_images_that_lie_in_its_subspace(generator):
    basis = torch.linalg.qr(torch.randn(20, 3, generator=generator, dtype=torch.float64)).Q.T   # (3, 20)
    images = 0.5 + torch.randn(200, 3, generator=generator, dtype=torch.float64) @ basis
    x, y = images[:, :12], images[:, 12:]
    for probabilistic in (False, True):                       # σ² = 0 here: both are exact
        pca = PCACompletion(3, probabilistic=probabilistic).fit(x[:150], y[:150])
        torch.testing.assert_close(pca.complete(x[150:]), y[150:])


def test_metrics_on_hand_made_cases():
    truth = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    assert completion_mse(truth, truth) == 0
    assert completion_mse(torch.full((2, 2), 0.5), truth) == pytest.approx(0.25)
    # two modes: the average is 0.25 away from either; proposing both modes finds the truth
    modes = torch.stack([torch.zeros(2, 2), torch.ones(2, 2)])          # (S=2, N=2, D=2)
    assert best_of_mse(modes, truth) == 0
    assert best_of_mse(torch.full((1, 2, 2), 0.5), truth) == pytest.approx(0.25)
    assert best_of_mse(torch.full((5, 2, 2), 0.5), truth) == pytest.approx(0.25)     # copies don't help
    # best-of-one is the plain MSE; the min is taken per row
    guess = torch.tensor([[[0.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]])
    assert best_of_mse(guess[:1], truth) == pytest.approx(float(completion_mse(guess[0], truth)))
    assert best_of_mse(guess, truth) == pytest.approx((0.0 + 0.0) / 2)


def test_nearest_completions_match_brute_force(data):
    x = data.x_test[:6]
    index, distance = nearest_completions(x, data.x_train, data.y_train, k=4)
    for n in range(6):
        all_distances = ((data.x_train - x[n]) ** 2).sum(1).sqrt()
        order = all_distances.argsort()[:4]
        assert index[n].tolist() == order.tolist()
        torch.testing.assert_close(distance[n], all_distances[order])


def test_regression_learns_a_linear_map(generator):
    x = torch.rand(256, 4, generator=generator)
    y = 0.2 + 0.6 * x[:, :2]                                    # inside the sigmoid's range
    model = RegressionMLP(4, 2, hidden=(32,))
    torch.manual_seed(0)
    history = fit_regression(model, x, y, epochs=150, lr=1e-2, batch_size=64, generator=generator, progress=False)
    assert history["loss"][-1] < 0.05 * history["loss"][0]
    assert completion_mse(model(x).detach(), y) < 1e-3


def test_plot_completions_draws_one_axis_per_image(generator):
    import matplotlib.pyplot as plt

    images = torch.rand(3, 8, 8, generator=generator)
    fig = plot_completions({"a": images, "b": images[:2]}, hidden=hidden_pixels("bottom"))
    assert len(fig.axes) == 2 * 2                              # rows = the shortest column
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    plt.close(fig)
    with pytest.raises(TypeError, match="columns"):
        plot_completions([images])


def test_clear_errors(data):
    with pytest.raises(ValueError, match="hidden"):
        hidden_pixels("middle")
    with pytest.raises(TypeError, match="hidden"):
        hidden_pixels(torch.zeros(8, 8))
    with pytest.raises(ValueError, match="test_fraction"):
        digits_inpainting(test_fraction=1.5)
    with pytest.raises(ValueError, match="images"):
        split_images(torch.zeros(3, 7, 7))
    with pytest.raises(ValueError, match="n_components"):
        PCACompletion(40).fit(data.x_train, data.y_train)
    with pytest.raises(RuntimeError, match="fit"):
        PCACompletion(3).complete(data.x_test)
    with pytest.raises(ValueError, match="last dimension"):
        PCACompletion(3).fit(data.x_train, data.y_train).complete(data.x_test[:, :10])
    with pytest.raises(ValueError, match="candidates"):
        best_of_mse(torch.zeros(3, 4, 5), torch.zeros(4, 6))
    with pytest.raises(ValueError, match="pred"):
        completion_mse(torch.zeros(2, 3), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="k"):
        nearest_completions(data.x_test, data.x_train[:3], data.y_train[:3], k=5)
