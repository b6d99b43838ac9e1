import numpy as np
import pytest
from PIL import Image

from keras_gan_layers.utils import image_grid, save_image_grid


def test_grid_layout_and_values():
    images = np.stack(
        [np.full((2, 3, 1), v, "float32") for v in (-1.0, 0.0, 1.0, 0.5, 2.0)]
    )
    grid = image_grid(images, columns=3, padding=1)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert grid[0, 0] == 0 and grid[0, 4] == 128 and grid[0, 8] == 255  # -1, 0, 1
    assert grid[3, 0] == 191  # 0.5 -> 0.75 * 255
    assert grid[3, 4] == 255  # 2.0 is clipped
    assert grid[3, 8] == 0 and grid[2, 0] == 0  # empty slot and padding stay black


def test_rgb_and_save(tmp_path):
    images = np.full((4, 5, 5, 3), -1.0, "float32")
    images[..., 0] = 1.0
    path = save_image_grid(images, str(tmp_path / "a" / "g.png"), scale=3)
    saved = np.asarray(Image.open(path))
    assert saved.shape == (3 * 11, 3 * 11, 3)
    assert tuple(saved[0, 0]) == (255, 0, 0)


def test_bad_shapes():
    with pytest.raises(ValueError, match="Received shape \\(4, 5\\)"):
        image_grid(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="\\(n, h, w, 3\\)"):
        image_grid(np.zeros((2, 4, 4, 2)))
