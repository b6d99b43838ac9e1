"""The only backend-specific code: the adversarial step and input gradients.

`keras.backend.backend()` picks the module, as Keras picks its own Trainer.
Each backend module provides:

- `train_step(gan, *args)` and `test_step(gan, *args)`, called with what
  Keras' own trainer for that backend passes (`data`; on JAX `state, data`,
  returning `logs, state`): `d_steps` discriminator updates, then one
  generator update, using the loss-computing methods of `GAN`.
- `input_gradient(fn, x) -> d sum(fn(x)) / dx` for a `fn` that returns one
  scalar per sample, differentiable again inside a training step
  (penalties such as WGAN-GP need second derivatives). The public
  `input_gradient` below wraps it: per-sample means, the state scope and
  the loss scale are the same on every backend.
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


def gather_replicas(x):
    """Every replica's `x` under a `tf.distribute` strategy, for layers that
    keep state across batches.

    `tf.distribute` runs the step once per replica on its share of the
    batch; a layer that updates a non-trainable weight from the batch (an
    image pool) would then keep a different value on each replica of a
    variable that is saved from the first replica only. With the shares
    gathered, every replica makes the update one device would make with
    the global batch. JAX's `keras.distribution` and PyTorch run one
    program on the global batch: nothing to gather there.

    Args:
        x: This replica's batch, `(share, ...)`.

    Returns:
        `(gathered, start)`: the replicas' batches concatenated along axis 0
        in replica order and the row where this replica's share starts (a
        scalar tensor); `(x, None)` when there is a single replica.

    Example:

    ```python
    everything, start = gather_replicas(images)
    result = update_state(everything)  # the same on every replica
    if start is not None:
        result = result[start : start + keras.ops.shape(images)[0]]
    ```
    """
    if keras.backend.backend() != "tensorflow":
        return x, None
    from keras_gan_layers.backend.tensorflow import gather_replicas as gather

    return gather(x)


def input_gradient(fn, x, variables=None, loss_scale=None):
    """Per-sample input gradient of `fn`, the same on every backend.

    For each sample `i`, `fn(x)_i` is reduced to the mean over its outputs
    (a PatchGAN critic's `(batch, h, w, 1)` map to one value per sample, as
    the losses see it), and the result is the gradient of the sum over the
    batch of those means: row `i` is `d mean(fn(x)_i) / d x_i` when the
    outputs of a sample do not depend on the other samples (no batch
    statistics). The result stays differentiable with respect to `fn`'s
    weights (gradient penalties need second derivatives).

    With `variables`, `fn` runs in a `keras.StatelessScope` that maps them
    to their current values: what the call assigns (batch-normalization
    moving statistics, the power-iteration vector of
    `keras.layers.SpectralNormalization`) is discarded on every backend, so
    a penalty's extra forward pass leaves the network's state untouched.

    With `loss_scale` (the discriminator optimizer's dynamic loss scale
    under `mixed_float16`), the differentiated means are multiplied by it
    and the gradient is divided by it in float32, so that small input
    gradients do not underflow in float16. Where the scaled gradient
    overflows, the result is not finite (and `Penalty` reports 0 for that
    step, whose non-finite gradients make the `LossScaleOptimizer` skip it
    and lower its scale).

    Args:
        fn: Callable mapping a batch to outputs with a leading batch axis,
            e.g. a discriminator.
        x: Input batch.
        variables: Optional list of the Keras variables `fn` reads (e.g.
            `discriminator.variables`); their assignments by `fn` are
            discarded.
        loss_scale: Optional positive scalar multiplying the differentiated
            output; None for no scaling.

    Returns:
        A tensor shaped like `x` (float32 with `loss_scale`).

    Example:

    ```python
    w = keras.ops.convert_to_tensor([[2.0, 4.0], [3.0, 5.0]])
    g = input_gradient(lambda x: keras.ops.matmul(x, w), keras.ops.ones((4, 2)))
    # two outputs per sample, averaged: every row of g is [3.0, 4.0]
    ```
    """
    x = keras.ops.convert_to_tensor(x)
    if loss_scale is not None:
        loss_scale = keras.ops.stop_gradient(keras.ops.cast(loss_scale, "float32"))

    def per_sample(t):
        y = keras.ops.cast(fn(t), "float32")
        if len(y.shape) > 1:
            y = keras.ops.mean(y, axis=tuple(range(1, len(y.shape))))
        return y if loss_scale is None else y * loss_scale

    module = backend_module()
    if variables:
        # The values are read here, outside the scope: on JAX that is the
        # enclosing step's (traced) state.
        mapping = [(v, v.value) for v in variables]
        with keras.StatelessScope(state_mapping=mapping):
            grad = module.input_gradient(per_sample, x)
    else:
        grad = module.input_gradient(per_sample, x)
    if loss_scale is not None:
        grad = keras.ops.cast(grad, "float32") / loss_scale
    return grad
