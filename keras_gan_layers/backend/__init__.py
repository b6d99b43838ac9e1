"""The only backend-specific code: the adversarial step and input gradients.

`keras.backend.backend()` picks the module, as Keras picks its own Trainer.
Each backend module provides:

- `train_step(gan, *args)` and `test_step(gan, *args)`, called with what
  Keras' own trainer for that backend passes (`data`; on JAX `state, data`,
  returning `logs, state`): `d_steps` discriminator updates, then one
  generator update, using the loss-computing methods of `GAN`.
- `input_gradient(fn, x, variables=None) -> d sum(fn(x)) / dx`,
  differentiable again inside a training step (penalties such as WGAN-GP
  need second derivatives). `variables` are the state `fn` reads (JAX keeps
  the call's own state updates out of the outer step).
"""

import importlib

import keras

SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")


def backend_module():
    """The module implementing the GAN step for the active Keras backend."""
    name = keras.backend.backend()
    if name not in SUPPORTED_BACKENDS:
        raise NotImplementedError(
            f"GAN training is not implemented for the {name!r} Keras backend "
            f"yet. Supported backends: {', '.join(SUPPORTED_BACKENDS)}; set "
            "KERAS_BACKEND to one of them before importing keras."
        )
    return importlib.import_module(f"keras_gan_layers.backend.{name}")


def input_gradient(fn, x, variables=None):
    """Gradient of `sum(fn(x))` with respect to `x`, for any backend.

    For a discriminator whose outputs do not mix samples (no batch
    statistics), row `i` of the result is `d fn(x)_i / d x_i`: the per-sample
    input gradient that gradient penalties need. The result stays
    differentiable with respect to `fn`'s weights.

    Args:
        fn: Callable mapping a batch to outputs, e.g. a discriminator.
        x: Input batch.
        variables: Optional list of the Keras variables `fn` reads (e.g.
            `discriminator.variables`); state updates made by `fn` are
            discarded on JAX.

    Returns:
        A tensor shaped like `x`.

    Example:

    ```python
    w = keras.ops.convert_to_tensor([[2.0], [3.0]])
    g = input_gradient(lambda x: keras.ops.matmul(x, w), keras.ops.ones((4, 2)))
    # every row of g is [2.0, 3.0]
    ```
    """
    return backend_module().input_gradient(
        fn, keras.ops.convert_to_tensor(x), variables
    )
