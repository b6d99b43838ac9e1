"""Argument and label checks shared by the conditional layers."""

import numbers

from keras import ops


def positive_int_arg(value, name, layer):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"{layer} needs an integer {name} >= 1. Received: {name}={value!r}"
        )
    return int(value)


def split_pair(inputs, layer, names=("x", "labels")):
    """`[x, labels]` (tensors or shapes) -> `(x, labels)`, or a ValueError."""
    if (
        not isinstance(inputs, (list, tuple))
        or len(inputs) != 2
        or isinstance(inputs[0], (numbers.Integral, type(None)))
    ):
        raise ValueError(
            f"{layer} is called on a list [{names[0]}, {names[1]}]. "
            f"Received: inputs={inputs!r}"
        )
    return inputs[0], inputs[1]


def check_labels_shape(labels_shape, layer):
    shape = tuple(labels_shape)
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return shape
    raise ValueError(
        f"{layer} needs integer class ids of shape (batch,) or (batch, 1). "
        f"Received: labels.shape={shape}"
    )


def class_ids(labels, layer):
    """int32 class ids of shape `(batch,)` from `(batch,)` or `(batch, 1)`."""
    labels = ops.convert_to_tensor(labels)
    if len(check_labels_shape(labels.shape, layer)) == 2:
        labels = ops.squeeze(labels, axis=-1)
    if labels.dtype != "int32":
        labels = ops.cast(labels, "int32")
    return labels


def expand_to_rank(code, rank):
    """`(batch, k)` -> `(batch, 1, ..., 1, k)` with `rank` dimensions."""
    for _ in range(rank - 2):
        code = ops.expand_dims(code, axis=1)
    return code
