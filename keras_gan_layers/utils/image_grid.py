"""Tile images into one grid and write it as a PNG."""

import math
import os

import numpy as np


def image_grid(images, columns=None, value_range=(-1.0, 1.0), padding=1):
    """Tile a batch of images into one uint8 image.

    Args:
        images: Array `(n, h, w)`, `(n, h, w, 1)` or `(n, h, w, 3)`.
        columns: Images per row; defaults to `ceil(sqrt(n))`.
        value_range: Range mapped to [0, 255]; values outside are clipped.
        padding: Pixels between images.

    Returns:
        A uint8 array `(H, W)` (grayscale) or `(H, W, 3)`.

    Example:

    ```python
    grid = image_grid(gan.generate(64, seed=0))  # 8 x 8 tiles
    ```
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(
            "image_grid expects a non-empty batch of images shaped (n, h, w), "
            f"(n, h, w, 1) or (n, h, w, 3). Received shape {images.shape}."
        )
    low, high = value_range
    images = np.clip((images - low) / (high - low), 0.0, 1.0)
    images = np.round(images * 255.0).astype(np.uint8)
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    grid = np.zeros(
        (rows * h + (rows - 1) * padding, columns * w + (columns - 1) * padding, c),
        dtype=np.uint8,
    )
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = r * (h + padding), col * (w + padding)
        grid[top : top + h, left : left + w] = image
    return grid[..., 0] if c == 1 else grid


def save_image_grid(images, path, columns=None, value_range=(-1.0, 1.0), scale=1):
    """Write `image_grid(images)` as a PNG file.

    Args:
        images: Batch of images, as for `image_grid`.
        path: Output file path (`.png`); parent directories are created.
        columns: Images per row.
        value_range: Range mapped to [0, 255].
        scale: Integer upscaling factor (nearest neighbour), so small images
            (8x8 digits) are visible.

    Returns:
        The path written.
    """
    from PIL import Image

    grid = image_grid(images, columns=columns, value_range=value_range)
    image = Image.fromarray(grid)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    image.save(path)
    return path
