"""Regrouping `fit`'s data so that one step holds `d_steps` real batches.

With `compile(fresh_real_batches=True)` every discriminator update of a
step uses its own real batch (WGAN-GP's Algorithm 1). Keras' loop yields one
element per step, so the element is made `d_steps` batches long and the
model splits it (`AdversarialModel.discriminator_batches`). Concatenating
along the batch axis, rather than stacking, keeps `tf.distribute` and
`keras.distribution` sharding the batch axis as they do for any model.
"""

import math

import keras
import numpy as np

from keras_gan_layers.models.data_checks import peek_first_batch

ACCEPTED = "numpy arrays, a tf.data.Dataset or a keras.utils.PyDataset"


class GroupedBatches(keras.utils.PyDataset):
    """A `PyDataset` whose batch `i` joins batches `i*n ... i*n + n - 1` of another."""

    def __init__(self, dataset, group):
        super().__init__(
            workers=getattr(dataset, "workers", 1),
            use_multiprocessing=getattr(dataset, "use_multiprocessing", False),
            max_queue_size=getattr(dataset, "max_queue_size", 10),
        )
        self.dataset = dataset
        self.group = group

    @property
    def num_batches(self):
        n = self.dataset.num_batches
        return None if n is None else math.ceil(n / self.group)

    def __len__(self):
        return self.num_batches

    def __getitem__(self, index):
        n = self.dataset.num_batches
        first = index * self.group
        last = first + self.group if n is None else min(first + self.group, n)
        parts = [self.dataset[i] for i in range(first, last)]
        return keras.tree.map_structure(
            lambda *xs: np.concatenate([np.asarray(x) for x in xs]), *parts
        )

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


def _is_array(x):
    if isinstance(x, (list, tuple)):
        return bool(x) and all(_is_array(t) for t in x)
    return isinstance(x, np.ndarray) or (
        hasattr(x, "shape") and hasattr(x, "dtype") and not hasattr(x, "take")
    )


def group_batches(x, batch_size, group):
    """`(x, batch_size)` for `fit` so that each step holds `group` real batches.

    Arrays: the batch size is multiplied by `group`. A batched
    `tf.data.Dataset` is rebatched to `group` times its first batch's size;
    a `keras.utils.PyDataset` joins `group` consecutive batches.

    Raises:
        ValueError: other inputs (Python generators, PyTorch loaders), whose
            batches cannot be regrouped without consuming them.
    """
    if _is_array(x):
        return x, (32 if batch_size is None else int(batch_size)) * group
    if hasattr(x, "element_spec") and hasattr(x, "rebatch"):  # tf.data
        first, x = peek_first_batch(x)
        images = first[0] if isinstance(first, (tuple, list)) else first
        return x.rebatch(int(images.shape[0]) * group), batch_size
    if isinstance(x, keras.utils.PyDataset):
        return GroupedBatches(x, group), batch_size
    raise ValueError(
        "compile(fresh_real_batches=True) needs training data as "
        f"{ACCEPTED}, whose batches fit can regroup. Received: "
        f"{type(x).__name__}. Pass one of those, or compile with "
        "fresh_real_batches=False."
    )
