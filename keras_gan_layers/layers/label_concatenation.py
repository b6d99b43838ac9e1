"""LabelConcatenation: append a one-hot or learned label code to the features."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import (
    check_labels_shape,
    class_ids,
    expand_to_rank,
    positive_int_arg,
    split_pair,
)


@keras_gan_export()
class LabelConcatenation(keras.layers.Layer):
    """Concatenates a class code to the features on the last axis.

    The conditioning of the conditional GAN of Mirza & Osindero: the label is
    turned into a code, one-hot (`embedding_dim=None`, as in the paper) or a
    learned row of an `(num_classes, embedding_dim)` table (like
    `keras.layers.Embedding`), and appended to every position of `x`, so a
    latent vector `(batch, latent_dim)` becomes
    `(batch, latent_dim + code_size)` and an image `(batch, h, w, c)` becomes
    `(batch, h, w, c + code_size)` with the code repeated over space.

    Class ids outside `[0, num_classes)` give an all-zero one-hot code; with
    an embedding their result depends on the backend, as for
    `keras.layers.Embedding`.

    Args:
        num_classes: Int, number of classes.
        embedding_dim: None for a one-hot code of size `num_classes`, or an
            int >= 1: the size of a learned embedding.
        embeddings_initializer: Initializer of the embedding table.
        embeddings_regularizer: Optional regularizer of the embedding table.
        embeddings_constraint: Optional constraint of the embedding table.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A list `[x, labels]`: `x` of shape `(batch, ..., channels)`
            (rank 2 or more), `labels` integer class ids of shape `(batch,)`
            or `(batch, 1)`.

    Returns:
        A tensor of shape `(batch, ..., channels + code_size)`, where
        `code_size` is `num_classes` (one-hot) or `embedding_dim`.

    Raises:
        ValueError: If `num_classes < 1`, `embedding_dim` is neither None nor
            an int >= 1, or the labels are not of shape `(batch,)` or
            `(batch, 1)`.

    Example:

    ```python
    layer = LabelConcatenation(num_classes=10)
    z = keras.random.normal((4, 64))
    labels = keras.ops.convert_to_tensor([0, 3, 9, 3], dtype="int32")
    layer([z, labels]).shape  # (4, 74)
    images = keras.random.normal((4, 8, 8, 3))
    LabelConcatenation(10, embedding_dim=5)([images, labels]).shape  # (4, 8, 8, 8)
    ```

    Reference:
    - [Mirza & Osindero, 2014](https://arxiv.org/abs/1411.1784)
    """

    def __init__(
        self,
        num_classes,
        embedding_dim=None,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.num_classes = positive_int_arg(num_classes, "num_classes", name)
        if embedding_dim is not None:
            embedding_dim = positive_int_arg(embedding_dim, "embedding_dim", name)
        self.embedding_dim = embedding_dim
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.embeddings_regularizer = keras.regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = keras.constraints.get(embeddings_constraint)
        self.embeddings = None

    @property
    def code_size(self):
        """Number of channels the layer appends."""
        return self.num_classes if self.embedding_dim is None else self.embedding_dim

    def build(self, input_shape):
        x_shape, labels_shape = split_pair(input_shape, type(self).__name__)
        if len(x_shape) < 2:
            raise ValueError(
                f"{type(self).__name__} needs x of rank 2 or more. "
                f"Received: x.shape={tuple(x_shape)}"
            )
        check_labels_shape(labels_shape, type(self).__name__)
        if self.embedding_dim is not None:
            self.embeddings = self.add_weight(
                shape=(self.num_classes, self.embedding_dim),
                name="embeddings",
                initializer=self.embeddings_initializer,
                regularizer=self.embeddings_regularizer,
                constraint=self.embeddings_constraint,
                trainable=True,
            )

    def call(self, inputs):
        x, labels = split_pair(inputs, type(self).__name__)
        labels = class_ids(labels, type(self).__name__)
        if self.embedding_dim is None:
            code = ops.one_hot(labels, self.num_classes, dtype=x.dtype)
        else:
            code = ops.cast(ops.take(self.embeddings, labels, axis=0), x.dtype)
        rank = len(x.shape)
        if rank > 2:
            # (batch, 1, ..., 1, k) + (batch, ..., 1) zeros: repeat over space.
            code = expand_to_rank(code, rank) + ops.zeros_like(x[..., :1])
        return ops.concatenate([x, code], axis=-1)

    def compute_output_shape(self, input_shape):
        x_shape, labels_shape = split_pair(input_shape, type(self).__name__)
        check_labels_shape(labels_shape, type(self).__name__)
        channels = x_shape[-1]
        channels = None if channels is None else channels + self.code_size
        return (*x_shape[:-1], channels)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "embedding_dim": self.embedding_dim,
            "embeddings_initializer": keras.initializers.serialize(
                self.embeddings_initializer
            ),
            "embeddings_regularizer": keras.regularizers.serialize(
                self.embeddings_regularizer
            ),
            "embeddings_constraint": keras.constraints.serialize(
                self.embeddings_constraint
            ),
        }
