"""What `CycleGAN` and `Pix2Pix` share: pairs of image batches, shape checks."""

import keras
import numpy as np
from keras import ops

from keras_gan_layers.models.data_checks import (
    _as_numpy,
    check_range,
    check_real_data,
    peek_first_batch,
)
from keras_gan_layers.models.gan import compatible, shape_str


def input_shape_of(network, index=0):
    """The declared shape of one sample of `network`'s input `index`, or None."""
    inputs = getattr(network, "inputs", None)
    if not inputs or len(inputs) <= index:
        return None
    return tuple(inputs[index].shape[1:])


def output_spec(network, inputs, model, what):
    """`network.compute_output_spec(inputs)`, or a ValueError naming `what`."""
    try:
        out = network.compute_output_spec(inputs)
    except Exception as e:
        shapes = keras.tree.map_structure(lambda t: shape_str(t.shape), inputs)
        raise ValueError(f"{model}: {what} cannot be called on {shapes}: {e}") from e
    if isinstance(out, (list, tuple, dict)):
        raise ValueError(
            f"{model}: {what} must return a single tensor. It returns a "
            f"{type(out).__name__}."
        )
    return out


def require_same(model, got, expected, message):
    """Raise `message` (formatted with both shapes) unless the shapes agree."""
    if got is None or expected is None or compatible(tuple(got), tuple(expected)):
        return
    raise ValueError(
        f"{model}: "
        + message.format(
            got=shape_str((None, *got)), expected=shape_str((None, *expected))
        )
    )


def unpack_pair(data, model):
    """`(a, b)` from a batch `(a, b)` (as `fit(x=a, y=b)` or a dataset yields it)."""
    a, b, _ = keras.utils.unpack_x_y_sample_weight(data)
    if b is None or isinstance(a, (dict, list, tuple)):
        raise ValueError(
            f"{model} expects each batch to be a pair (a_images, b_images). "
            f"Received: {type(data).__name__}."
        )
    return ops.convert_to_tensor(a), ops.convert_to_tensor(b)


def translate_numpy(
    generator, images, batch_size, model, expected_shape, data_range=None
):
    """Run `generator` in inference mode over `images` in batches; numpy out.

    `images` must be floats in `data_range` (unless None), like `fit`'s.
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(
            f"{model} needs batch_size, an int >= 1. Received: "
            f"batch_size={batch_size!r}"
        )
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError(
            f"{model}: images must be a batch (n, *image_shape). Received an "
            f"array of shape {images.shape}."
        )
    require_same(
        model,
        images.shape[1:],
        expected_shape,
        "the images have shape {got}, but the translator takes {expected}.",
    )
    if len(images) == 0:
        raise ValueError(f"{model}: no images to translate (an empty batch).")
    if data_range is not None:
        from keras_gan_layers.metrics.checks import check_images

        check_images(
            images,
            "images to translate",
            model,
            data_range,
            range_name="data_range",
        )
    return np.concatenate(
        [
            ops.convert_to_numpy(
                generator(images[i : i + batch_size].astype("float32"), training=False)
            )
            for i in range(0, len(images), batch_size)
        ]
    )


def first_pair(x, y, model):
    """`(a, b, x)`: numpy samples of the first batch of both domains, checked."""
    if y is not None:
        first, _ = peek_first_batch(x)
        if first is not None:
            raise ValueError(
                f"{model}.fit received a dataset and separate y images; pass a "
                "dataset yielding (a_images, b_images) pairs instead (e.g. "
                "keras_gan_layers.datasets.paired(a, b) or unpaired(a, b))."
            )
        return None, None, x
    first, x = peek_first_batch(x)
    if first is None:
        if isinstance(x, (tuple, list)) and len(x) == 2:
            return None, None, x
        raise ValueError(
            f"{model}.fit needs pairs of A and B batches: fit(x=a_images, "
            "y=b_images), or a "
            "dataset yielding (a_images, b_images) batches. Received images "
            "of one domain only (y=None)."
        )
    if not isinstance(first, (tuple, list)) or len(first) != 2:
        raise ValueError(
            f"{model}.fit needs a dataset yielding (a_images, b_images) "
            f"pairs of batches. Its first element is "
            f"{type(first).__name__}"
            + (f" of {len(first)} items." if isinstance(first, (tuple, list)) else ".")
        )
    return _as_numpy(first[0]), _as_numpy(first[1]), x


def check_pair_data(model, x, y, data_range, what="images"):
    """Check both domains' images (range, dtype) before training.

    Returns:
        `(a_sample, b_sample, x, y)`: a few samples of each domain (numpy)
        and the data to train on.
    """
    name = type(model).__name__
    a, b, x = first_pair(x, y, name)
    if a is not None:
        if data_range is not None:
            check_range(a, data_range, f"A {what}", name)
            check_range(b, data_range, f"B {what}", name)
        return a[:2], b[:2], x, y
    # x=(a, b) arrays: Keras would read the pair as two inputs and no
    # target; as x=a, y=b it yields the (a, b) batches the step takes.
    a_all, b_all = (x, y) if y is not None else x
    a_all = check_real_data(a_all, data_range, f"A {what}", name)
    b_all = check_real_data(b_all, data_range, f"B {what}", name)
    return np.asarray(a_all[:2]), np.asarray(b_all[:2]), a_all, b_all
