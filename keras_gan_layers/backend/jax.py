"""JAX implementation of the adversarial step: stateless, jitted by Keras' trainer.

Keras' JAX trainer hands the step its state as four lists (trainable,
non-trainable, optimizer and metric variables) and expects them back. The
model's `optimizer` is an `OptimizerPair`, whose variables are the
discriminator optimizer's followed by the generator optimizer's, so both
optimizers' state travels through the step and is written back by Keras
after `fit`. The model's protocol methods (`compute_*_loss`,
`after_generator_update`) run unchanged inside a `keras.StatelessScope`
that maps every variable to its current value; what they assign (batch
statistics, the seed generator's state, EMA weights) is read back from the
scope. The step knows no model family.
"""

import warnings

import jax
import jax.numpy as jnp
import keras


def input_gradient(fn, x):
    """`d sum(fn(x)) / dx`; see `keras_gan_layers.backend.input_gradient`.

    The caller's `keras.StatelessScope` keeps what `fn` assigns (values of
    the inner trace) from leaking out of it.
    """
    return jax.grad(lambda t: jnp.sum(fn(t)))(x)


def _indices(all_vars, subset):
    ids = {id(v) for v in subset}
    return [i for i, v in enumerate(all_vars) if id(v) in ids]


def _updated(scope, variables, old_values):
    new = []
    for v, old in zip(variables, old_values):
        value = scope.get_current_value(v)
        new.append(old if value is None else value)
    return new


def _mapping(model, trainable, non_trainable, optimizer_values=()):
    return (
        list(zip(model.trainable_variables, trainable))
        + list(zip(model.non_trainable_variables, non_trainable))
        + list(zip(model.optimizer.variables, optimizer_values))
    )


def _update(model, compute, variables, optimizer, opt_slice, state, data):
    """One player's update: gradients of `compute` w.r.t. `variables`."""
    trainable, non_trainable, optimizer_values = state
    indices = _indices(model.trainable_variables, variables)
    opt_values = list(optimizer_values[opt_slice])

    def objective(values, non_trainable):
        full = list(trainable)
        for i, value in zip(indices, values):
            full[i] = value
        mapping = _mapping(model, full, non_trainable, optimizer_values)
        with keras.StatelessScope(state_mapping=mapping) as scope:
            total, logs = compute(data)
            scaled = optimizer.scale_loss(total)
        new_non_trainable = _updated(
            scope, model.non_trainable_variables, non_trainable
        )
        return scaled, (total, logs, new_non_trainable)

    values = [trainable[i] for i in indices]
    (_, (total, logs, non_trainable)), grads = jax.value_and_grad(
        objective, has_aux=True
    )(values, non_trainable)
    values, opt_values = _apply(
        model, optimizer, opt_values, grads, variables, values, non_trainable
    )
    trainable = list(trainable)
    for i, value in zip(indices, values):
        trainable[i] = value
    optimizer_values = list(optimizer_values)
    optimizer_values[opt_slice] = opt_values
    return total, logs, (trainable, non_trainable, optimizer_values)


def _apply(model, optimizer, opt_values, grads, variables, values, non_trainable):
    """`optimizer.stateless_apply` for `variables`, a subset of what it was built for.

    Keras' stateless apply takes every variable the optimizer was built
    with; a layer frozen after the optimizer was built (trainable flags
    changed between two `fit` calls) is passed at its current value with no
    gradient, so it and its optimizer slots stay as they are, as on the
    other backends.
    """
    if not variables:  # nothing trains (a frozen network): state as it is
        return [], opt_values
    built = list(optimizer._trainable_variables)
    if len(built) == len(variables) and all(a is b for a, b in zip(built, variables)):
        return optimizer.stateless_apply(opt_values, grads, values)
    given = {id(v): (g, value) for v, g, value in zip(variables, grads, values)}
    frozen = {
        id(v): value for v, value in zip(model.non_trainable_variables, non_trainable)
    }
    all_grads, all_values = [], []
    for v in built:
        if id(v) in given:
            g, value = given[id(v)]
        else:
            g, value = None, frozen[id(v)] if id(v) in frozen else v.value
        all_grads.append(g)
        all_values.append(value)
    with warnings.catch_warnings():
        # Keras warns once per trace about the variables without gradients.
        warnings.filterwarnings("ignore", message="Gradients do not exist")
        new_values, opt_values = optimizer.stateless_apply(
            opt_values, all_grads, all_values
        )
    by_id = {id(v): value for v, value in zip(built, new_values)}
    return [by_id[id(v)] for v in variables], opt_values


def _metric_logs(model, metrics_values, d_total, d_logs, g_total, g_logs):
    mapping = list(zip(model.metrics_variables, metrics_values))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = model.update_metrics(d_total, d_logs, g_total, g_logs)
    return logs, _updated(scope, model.metrics_variables, metrics_values)


def train_step(model, state, data):
    trainable, non_trainable, optimizer_values, metrics_values = state
    split = len(model.d_optimizer.variables)
    d_slice, g_slice = slice(0, split), slice(split, len(optimizer_values))
    state = (trainable, non_trainable, optimizer_values)
    d_vars = model.discriminator_variables
    g_vars = model.generator_variables
    for d_data in model.discriminator_batches(data):
        d_total, d_logs, state = _update(
            model,
            model.compute_discriminator_loss,
            d_vars,
            model.d_optimizer,
            d_slice,
            state,
            d_data,
        )
    g_total, g_logs, state = _update(
        model,
        model.compute_generator_loss,
        g_vars,
        model.g_optimizer,
        g_slice,
        state,
        model.generator_batch(data),
    )
    trainable, non_trainable, optimizer_values = state
    # After the update: EMA weights (non-trainable) follow the new values.
    with keras.StatelessScope(
        state_mapping=_mapping(model, trainable, non_trainable, optimizer_values)
    ) as scope:
        model.after_generator_update()
    non_trainable = _updated(scope, model.non_trainable_variables, non_trainable)
    logs, metrics_values = _metric_logs(
        model, metrics_values, d_total, d_logs, g_total, g_logs
    )
    return logs, (trainable, non_trainable, optimizer_values, metrics_values)


def test_step(model, state, data):
    trainable, non_trainable, metrics_values = state
    mapping = _mapping(model, trainable, non_trainable)
    with keras.StatelessScope(state_mapping=mapping) as scope:
        d_total, d_logs = model.compute_discriminator_loss(data, training=False)
        g_total, g_logs = model.compute_generator_loss(data, training=False)
    non_trainable = _updated(scope, model.non_trainable_variables, non_trainable)
    logs, metrics_values = _metric_logs(
        model, metrics_values, d_total, d_logs, g_total, g_logs
    )
    return logs, (trainable, non_trainable, metrics_values)


def wrap_train_function(model, train_function):
    """Nothing to wrap: this backend's trainer feeds arrays without tf.data."""
    return train_function


def release_iterator(model):
    """Nothing to release on this backend."""
