"""Images from a folder, as a `tf.data.Dataset` scaled to [-1, 1]."""

import os

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def count_images(path):
    """Number of image files (by extension) under `path`, recursively."""
    total = 0
    for _, _, files in os.walk(path):
        total += sum(f.lower().endswith(IMAGE_EXTENSIONS) for f in files)
    return total


def check_image_directory(path):
    """Raise a clear error if `path` is not a readable folder with images."""
    if not os.path.exists(path):
        raise ValueError(f"Image directory {path!r} does not exist.")
    if not os.path.isdir(path):
        raise ValueError(f"{path!r} is not a directory.")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ValueError(f"Image directory {path!r} is not readable.")
    if count_images(path) == 0:
        raise ValueError(
            f"No images found in {path!r} (looked for "
            f"{', '.join(IMAGE_EXTENSIONS)} files, in subfolders too)."
        )


def from_directory(
    path,
    image_size=(64, 64),
    batch_size=64,
    color_mode="rgb",
    shuffle=True,
    seed=None,
):
    """Images under `path` as a batched `tf.data.Dataset` in [-1, 1].

    Wraps `keras.utils.image_dataset_from_directory(labels=None)` (all
    images found recursively, resized to `image_size`) and maps pixels with
    `x / 127.5 - 1`. Needs TensorFlow installed, whatever the backend.

    Args:
        path: Folder of images (subfolders are searched too).
        image_size: `(height, width)` or an int.
        batch_size: Batch size of the dataset.
        color_mode: `"rgb"` or `"grayscale"`.
        shuffle: Shuffle file order (each epoch).
        seed: Shuffle seed.

    Returns:
        A `tf.data.Dataset` of float32 batches `(b, h, w, c)`.

    Example:

    ```python
    data = from_directory("faces/", image_size=64)
    gan.fit(data, epochs=10)
    ```
    """
    import keras

    check_image_directory(path)
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    dataset = keras.utils.image_dataset_from_directory(
        path,
        labels=None,
        image_size=tuple(image_size),
        batch_size=batch_size,
        color_mode=color_mode,
        shuffle=shuffle,
        seed=seed,
    )
    return dataset.map(lambda x: x / 127.5 - 1.0)
