"""Map pixel values to the [-1, 1] range of a tanh generator."""

import numpy as np


def scale_images(images, input_range=(0.0, 255.0)):
    """Linearly map `images` from `input_range` to [-1, 1], as float32.

    Args:
        images: Array-like of pixel values.
        input_range: `(low, high)` of the input; `(0, 255)` for 8-bit images.

    Returns:
        A float32 numpy array in [-1, 1].

    Example:

    ```python
    x = scale_images(uint8_images)  # x / 127.5 - 1
    ```
    """
    low, high = (float(v) for v in input_range)
    if not high > low:
        raise ValueError(
            f"input_range must be (low, high) with high > low. Received: {input_range}"
        )
    images = np.asarray(images, dtype=np.float32)
    return (images - low) * (2.0 / (high - low)) - 1.0
