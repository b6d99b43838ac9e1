"""The only backend-specific code: the adversarial step and input gradients.

`keras.backend.backend()` picks the module, as Keras picks its own Trainer.
Each backend module provides:

- `train_step(gan, data) -> logs`: `d_steps` discriminator updates, then one
  generator update, using the loss-computing methods of `GAN`.
- `input_gradient(fn, x) -> d sum(fn(x)) / dx`, differentiable again inside
  a training step (penalties such as WGAN-GP need second derivatives).
"""

import importlib

import keras

SUPPORTED_BACKENDS = ("tensorflow",)


def backend_module():
    """The module implementing the GAN step for the active Keras backend."""
    name = keras.backend.backend()
    if name not in SUPPORTED_BACKENDS:
        raise NotImplementedError(
            f"GAN training is not implemented for the {name!r} Keras backend "
            f"yet. Supported backends: {', '.join(SUPPORTED_BACKENDS)}. Set "
            "KERAS_BACKEND=tensorflow before importing keras."
        )
    return importlib.import_module(f"keras_gan_layers.backend.{name}")


def input_gradient(fn, x):
    """Gradient of `sum(fn(x))` with respect to `x`, for any backend.

    For a discriminator whose outputs do not mix samples (no batch
    statistics), row `i` of the result is `d fn(x)_i / d x_i`: the per-sample
    input gradient that gradient penalties need. The result stays
    differentiable with respect to `fn`'s weights.

    Args:
        fn: Callable mapping a batch to outputs, e.g. a discriminator.
        x: Input batch.

    Returns:
        A tensor shaped like `x`.

    Example:

    ```python
    w = keras.ops.convert_to_tensor([[2.0], [3.0]])
    g = input_gradient(lambda x: keras.ops.matmul(x, w), keras.ops.ones((4, 2)))
    # every row of g is [2.0, 3.0]
    ```
    """
    return backend_module().input_gradient(fn, x)
