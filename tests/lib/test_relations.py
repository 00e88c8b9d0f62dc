"""Image pairs for the gated RBM (lecture 9): the transformation relating x and y holds exactly."""
import pytest
import torch

from energylab.data import random_dots, rotate_images, rotation_pairs, shift_pairs

F64 = torch.float64


def test_random_dots_density_blur_and_scale(generator):
    dots = random_dots(400, 13, density=0.1, blur=0.0, generator=generator, dtype=F64)
    assert dots.shape == (400, 13, 13) and set(dots.unique().tolist()) <= {0.0, 1.0}
    assert dots.mean().item() == pytest.approx(0.1, abs=0.01)
    blurred = random_dots(400, 13, blur=1.0, generator=generator, dtype=F64)
    peaks = blurred.amax(dim=(1, 2))
    assert ((peaks - 1).abs() < 1e-12).all() and (blurred >= 0).all()
    # neighbouring pixels are correlated after blurring, not before
    def neighbour_corr(images):
        a, b = images[:, :, :-1].reshape(-1), images[:, :, 1:].reshape(-1)
        return torch.corrcoef(torch.stack([a, b]))[0, 1].item()
    assert neighbour_corr(blurred) > 0.5 and abs(neighbour_corr(dots)) < 0.05


def test_shift_pairs_are_windows_of_one_canvas(generator):
    pairs = shift_pairs(50, size=13, max_shift=3, generator=generator, dtype=F64)
    assert pairs.x.shape == pairs.y.shape == (50, 169) and pairs.transform.shape == (50, 2)
    assert pairs.transform.abs().max() <= 3 and len(pairs.transform.unique(dim=0)) > 20
    x, y = pairs.x.view(50, 13, 13), pairs.y.view(50, 13, 13)
    for k, (dy, dx) in enumerate(pairs.transform.tolist()):    # y[i, j] = x[i - dy, j - dx]
        rows, cols = slice(max(0, dy), min(13, 13 + dy)), slice(max(0, dx), min(13, 13 + dx))
        src_rows, src_cols = slice(rows.start - dy, rows.stop - dy), slice(cols.start - dx, cols.stop - dx)
        assert torch.equal(y[k, rows, cols], x[k, src_rows, src_cols])
    # handing the shifts back makes new images with the same transformations
    again = shift_pairs(50, size=13, max_shift=3, shifts=pairs.transform, generator=generator, dtype=F64)
    assert torch.equal(again.transform, pairs.transform) and not torch.equal(again.x, pairs.x)
    zero = shift_pairs(5, shifts=torch.zeros(5, 2, dtype=torch.long), generator=generator)
    assert torch.equal(zero.x, zero.y)


def test_rotation_pairs_rotate_counter_clockwise_about_the_centre(generator):
    angles = torch.tensor([0.0, 90.0, -90.0, 180.0], dtype=F64)
    pairs = rotation_pairs(4, size=13, angles=angles, generator=generator, dtype=F64)
    x, y = pairs.x.view(4, 13, 13), pairs.y.view(4, 13, 13)
    torch.testing.assert_close(y[0], x[0])
    torch.testing.assert_close(y[1], torch.rot90(x[1], 1, (0, 1)))         # content on the right moves to the top
    torch.testing.assert_close(y[2], torch.rot90(x[2], -1, (0, 1)))
    torch.testing.assert_close(y[3], torch.rot90(x[3], 2, (0, 1)))
    drawn = rotation_pairs(300, max_angle=30.0, generator=generator)
    assert drawn.transform.abs().max() <= 30 and drawn.transform.std() > 10
    assert (drawn.y.view(300, 13, 13)[:, [0, 0, -1, -1], [0, -1, 0, -1]] > 0).float().mean() > 0.2  # corners filled


def test_rotate_images_turns_about_the_centre(generator):
    images = torch.rand(3, 9, 7, generator=generator, dtype=F64)
    torch.testing.assert_close(rotate_images(images, torch.zeros(3, dtype=F64)), images)
    square = torch.rand(2, 9, 9, generator=generator, dtype=F64)
    turned = rotate_images(square, torch.tensor([90.0, -90.0], dtype=F64))
    torch.testing.assert_close(turned[0], torch.rot90(square[0], 1, (0, 1)))
    torch.testing.assert_close(turned[1], torch.rot90(square[1], -1, (0, 1)))
    there_and_back = rotate_images(rotate_images(square, torch.full((2,), 30.0, dtype=F64)), torch.full((2,), -30.0, dtype=F64))
    centre = (slice(None), slice(3, 6), slice(3, 6))
    assert (there_and_back[centre] - square[centre]).abs().max() < 0.35     # bilinear twice blurs a little
    with pytest.raises(ValueError, match="angles"):
        rotate_images(square, torch.zeros(3, dtype=F64))


def test_clear_errors(generator):
    with pytest.raises(ValueError, match="density"):
        random_dots(3, density=1.5)
    with pytest.raises(ValueError, match="blur"):
        random_dots(3, blur=-1.0)
    with pytest.raises(ValueError, match="shifts: expected entries in"):
        shift_pairs(2, max_shift=1, shifts=torch.tensor([[0, 2], [0, 0]]))
    with pytest.raises(ValueError, match="shifts: expected shape"):
        shift_pairs(2, shifts=torch.zeros(3, 2, dtype=torch.long))
    with pytest.raises(TypeError, match="shifts"):
        shift_pairs(2, shifts=torch.zeros(2, 2))
    with pytest.raises(ValueError, match="angles: expected shape"):
        rotation_pairs(2, angles=torch.zeros(3))
    with pytest.raises(ValueError, match="max_angle"):
        rotation_pairs(2, max_angle=0.0)
