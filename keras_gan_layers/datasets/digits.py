"""scikit-learn's bundled 8x8 handwritten digits, ready for a GAN."""

import numpy as np


def _resize(images, size):
    from PIL import Image

    height, width = size
    out = np.empty((len(images), height, width), dtype=np.float32)
    for i, image in enumerate(images):
        out[i] = np.asarray(
            Image.fromarray(image, mode="F").resize((width, height), Image.BICUBIC)
        )
    return out


def load_digits(image_size=None, return_labels=False):
    """The 1,797 8x8 digits bundled with scikit-learn (works offline).

    Pixel values 0..16 are mapped linearly to [-1, 1] (`x / 8 - 1`).

    Args:
        image_size: None for 8x8, an int or `(height, width)` to resize with
            bicubic interpolation (values clipped back to [-1, 1]).
        return_labels: Also return the digit labels (int32).

    Returns:
        float32 images `(1797, h, w, 1)`, or `(images, labels)`.

    Example:

    ```python
    images = load_digits(image_size=16)  # (1797, 16, 16, 1)
    ```
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = bunch.images.astype(np.float32) / 8.0 - 1.0
    if image_size is not None:
        size = (
            (image_size, image_size) if np.isscalar(image_size) else tuple(image_size)
        )
        if len(size) != 2 or min(int(s) for s in size) < 1:
            raise ValueError(
                "image_size must be a positive int or (height, width). "
                f"Received: image_size={image_size}"
            )
        size = tuple(int(s) for s in size)
        if size != (8, 8):
            images = np.clip(_resize(images, size), -1.0, 1.0)
    images = images[..., None]
    if return_labels:
        return images, bunch.target.astype(np.int32)
    return images
