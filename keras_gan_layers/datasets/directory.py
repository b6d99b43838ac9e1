"""Images from a folder, as a `tf.data.Dataset` scaled to [-1, 1]."""

import os

import numpy as np

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
COLOR_MODES = ("rgb", "rgba", "grayscale")


#: File signatures of the formats `keras.utils.image_dataset_from_directory`
#: decodes (`tf.io.decode_image`), whatever the file's extension.
SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
)

#: How many unreadable files an error message names.
NAMED_FILES = 5


def image_files(path):
    """Paths of the image files (by extension) under `path`, recursively."""
    found = []
    for root, _, files in os.walk(path):
        found.extend(
            os.path.join(root, f)
            for f in sorted(files)
            if f.lower().endswith(IMAGE_EXTENSIONS)
        )
    return found


def count_images(path):
    """Number of image files (by extension) under `path`, recursively."""
    return len(image_files(path))


def _readable_image(path):
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(SIGNATURES)


def check_image_directory(path):
    """Raise a clear error if `path` is not a readable folder of images.

    Every image file (by extension) must start with the signature of a
    format TensorFlow decodes (PNG, JPEG, GIF, BMP): a corrupt or mislabelled
    file would otherwise stop training at the batch that holds it, with an
    error that does not name the file.

    Raises:
        ValueError: `path` missing, not a folder or unreadable; no image
            files in it; files that are not images (named, up to 5).
    """
    if not os.path.exists(path):
        raise ValueError(f"Image directory {path!r} does not exist.")
    if not os.path.isdir(path):
        raise ValueError(f"{path!r} is not a directory.")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ValueError(f"Image directory {path!r} is not readable.")
    files = image_files(path)
    if not files:
        raise ValueError(
            f"No images found in {path!r} (looked for "
            f"{', '.join(IMAGE_EXTENSIONS)} files, in subfolders too)."
        )
    bad = [f for f in files if not _readable_image(f)]
    if bad:
        named = ", ".join(repr(f) for f in bad[:NAMED_FILES])
        more = f" and {len(bad) - NAMED_FILES} more" if len(bad) > NAMED_FILES else ""
        raise ValueError(
            f"{len(bad)} of the {len(files)} image files in {path!r} are not "
            f"readable PNG, JPEG, GIF or BMP images (corrupt, empty or "
            f"mislabelled): {named}{more}. Remove or replace them."
        )


def _image_size(image_size):
    size = (image_size, image_size) if np.isscalar(image_size) else image_size
    try:
        size = tuple(size)
        ok = len(size) == 2 and all(
            not isinstance(d, bool) and int(d) == d and d >= 1 for d in size
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            "image_size must be a positive int or (height, width) of positive "
            f"ints. Received: image_size={image_size!r}"
        )
    return tuple(int(d) for d in size)


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
        color_mode: `"rgb"`, `"rgba"` or `"grayscale"`.
        shuffle: Shuffle file order (each epoch).
        seed: Shuffle seed.

    Returns:
        A `tf.data.Dataset` of float32 batches `(b, h, w, c)`.

    Raises:
        ValueError: a bad `image_size`, `batch_size` or `color_mode`; `path`
            missing or without images; image files that are not PNG, JPEG,
            GIF or BMP (corrupt or empty; named in the message). Every file
            is checked before the dataset is made, not skipped: a folder
            with a broken file is an error, as decoding it would be in
            `keras.utils.image_dataset_from_directory`, but named up front.

    Example:

    ```python
    data = from_directory("faces/", image_size=64)
    gan.fit(data, epochs=10)
    ```
    """
    import keras

    image_size = _image_size(image_size)
    if isinstance(batch_size, bool) or not (
        isinstance(batch_size, (int, np.integer)) and batch_size >= 1
    ):
        raise ValueError(
            f"batch_size must be an integer >= 1. Received: batch_size={batch_size!r}"
        )
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"color_mode must be one of {', '.join(COLOR_MODES)}. Received: "
            f"color_mode={color_mode!r}"
        )
    check_image_directory(path)
    dataset = keras.utils.image_dataset_from_directory(
        path,
        labels=None,
        image_size=image_size,
        batch_size=batch_size,
        color_mode=color_mode,
        shuffle=shuffle,
        seed=seed,
    )
    return dataset.map(lambda x: x / 127.5 - 1.0)
