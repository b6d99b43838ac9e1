"""JAX implementation of the GAN step: stateless, jitted by Keras' trainer.

Keras' JAX trainer hands the step its state as four lists (trainable,
non-trainable, optimizer and metric variables) and expects them back. The
GAN's `model.optimizer` is an `OptimizerPair`, whose variables are the
discriminator optimizer's followed by the generator optimizer's, so both
optimizers' state travels through the step and is written back by Keras
after `fit`. Every loss and penalty runs unchanged inside a
`keras.StatelessScope` that maps the model's variables to their values.
"""

import jax
import jax.numpy as jnp
import keras


def input_gradient(fn, x, variables=None):
    def total(t):
        if not variables:
            return jnp.sum(fn(t))
        # Read the variables' current values (the enclosing scope's), and
        # drop whatever the call assigns (batch statistics, power-iteration
        # vectors): those values depend on the inner trace and must not
        # leak out of it.
        mapping = [(v, v.value) for v in variables]
        with keras.StatelessScope(state_mapping=mapping):
            return jnp.sum(fn(t))

    return jax.grad(total)(x)


def _indices(all_vars, subset):
    ids = {id(v) for v in subset}
    return [i for i, v in enumerate(all_vars) if id(v) in ids]


def _updated(scope, variables, old_values):
    new = []
    for v, old in zip(variables, old_values):
        value = scope.get_current_value(v)
        new.append(old if value is None else value)
    return new


def _objective(gan, compute, indices, optimizer, optimizer_values):
    """Loss as a function of one network's trainable values, for jax.grad."""

    def objective(values, trainable, non_trainable, real):
        trainable = list(trainable)
        for i, value in zip(indices, values):
            trainable[i] = value
        mapping = (
            list(zip(gan.trainable_variables, trainable))
            + list(zip(gan.non_trainable_variables, non_trainable))
            + list(zip(optimizer.variables, optimizer_values))
        )
        with keras.StatelessScope(state_mapping=mapping) as scope:
            loss, logs = compute(real)
            scaled = optimizer.scale_loss(loss)
        non_trainable = _updated(scope, gan.non_trainable_variables, non_trainable)
        return scaled, (logs, non_trainable)

    return objective


def _update(gan, compute, network, optimizer, opt_values, state_values, real):
    trainable, non_trainable = state_values
    indices = _indices(gan.trainable_variables, network.trainable_variables)
    values = [trainable[i] for i in indices]
    objective = _objective(gan, compute, indices, optimizer, opt_values)
    (_, (logs, non_trainable)), grads = jax.value_and_grad(objective, has_aux=True)(
        values, trainable, non_trainable, real
    )
    values, opt_values = optimizer.stateless_apply(opt_values, grads, values)
    trainable = list(trainable)
    for i, value in zip(indices, values):
        trainable[i] = value
    return logs, (trainable, non_trainable), opt_values


def _metric_logs(gan, metrics_values, d_logs, g_loss):
    mapping = list(zip(gan.metrics_variables, metrics_values))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = gan.update_metrics(d_logs, g_loss)
    return logs, _updated(scope, gan.metrics_variables, metrics_values)


def train_step(gan, state, data):
    trainable, non_trainable, optimizer_values, metrics_values = state
    real = gan.unpack_real(data)
    batch_size = real.shape[0]
    split = len(gan.d_optimizer.variables)
    d_opt, g_opt = list(optimizer_values[:split]), list(optimizer_values[split:])

    def d_compute(real):
        return gan.compute_discriminator_loss(real, gan.sample_latents(batch_size))

    def g_compute(real):
        g_loss = gan.compute_generator_loss(real, gan.sample_latents(batch_size))
        return g_loss, g_loss

    values = (trainable, non_trainable)
    for _ in range(gan.d_steps):
        d_logs, values, d_opt = _update(
            gan, d_compute, gan.discriminator, gan.d_optimizer, d_opt, values, real
        )
    g_loss, values, g_opt = _update(
        gan, g_compute, gan.generator, gan.g_optimizer, g_opt, values, real
    )
    logs, metrics_values = _metric_logs(gan, metrics_values, d_logs, g_loss)
    trainable, non_trainable = values
    return logs, (trainable, non_trainable, d_opt + g_opt, metrics_values)


def test_step(gan, state, data):
    trainable, non_trainable, metrics_values = state
    mapping = list(zip(gan.trainable_variables, trainable)) + list(
        zip(gan.non_trainable_variables, non_trainable)
    )
    with keras.StatelessScope(state_mapping=mapping) as scope:
        d_logs, g_loss = gan.compute_evaluation_losses(gan.unpack_real(data))
    non_trainable = _updated(scope, gan.non_trainable_variables, non_trainable)
    logs, metrics_values = _metric_logs(gan, metrics_values, d_logs, g_loss)
    return logs, (trainable, non_trainable, metrics_values)
