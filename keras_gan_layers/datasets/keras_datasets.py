"""`keras.datasets` image sets by name, scaled to [-1, 1]."""

import keras
import numpy as np

from keras_gan_layers.datasets.scaling import scale_images

#: Names accepted by `load`.
KERAS_DATASETS = ("mnist", "fashion_mnist", "cifar10")


def load(name, split="train", return_labels=False):
    """Load a `keras.datasets` image set, scaled to [-1, 1] with a channel axis.

    Keras downloads the files on first use (to `~/.keras/datasets`); offline,
    this raises a `RuntimeError` that says so and names the offline options.

    Args:
        name: `"mnist"`, `"fashion_mnist"` or `"cifar10"`.
        split: `"train"`, `"test"` or `"all"`.
        return_labels: Also return the labels (int32, flat).

    Returns:
        float32 images `(n, h, w, c)` in [-1, 1], or `(images, labels)`.

    Example:

    ```python
    images = load("mnist")  # (60000, 28, 28, 1)
    ```
    """
    if name not in KERAS_DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}. Valid names are: {', '.join(KERAS_DATASETS)}."
        )
    if split not in ("train", "test", "all"):
        raise ValueError(
            f"split must be 'train', 'test' or 'all'. Received: split={split!r}"
        )
    module = getattr(keras.datasets, name)
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as e:  # keras.utils.get_file raises a bare Exception
        raise RuntimeError(
            f"Could not load the {name!r} dataset: Keras downloads it on first "
            f"use and the download failed ({type(e).__name__}: {e}). Are you "
            "offline? Offline, use the bundled digits (load_digits(), "
            "`--dataset digits`) or your own images (from_directory(path), "
            "`--data-dir PATH`)."
        ) from e
    if split == "train":
        x, y = x_train, y_train
    elif split == "test":
        x, y = x_test, y_test
    else:
        x, y = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    images = scale_images(x)
    if return_labels:
        return images, np.asarray(y).reshape(-1).astype(np.int32)
    return images
