"""TensorFlow implementation of the adversarial step (`tf.GradientTape`).

The step knows no model family: it calls the `AdversarialModel` protocol
(`compute_discriminator_loss`, `compute_generator_loss`, the two variable
lists, `after_generator_update`, `d_steps`).
"""

import tensorflow as tf


def input_gradient(fn, x, variables=None):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(fn(x))
    grad = tape.gradient(y, x)
    if grad is None:
        return tf.zeros_like(x)
    return grad


def _replica_scale():
    """1 / replicas: gradients are summed over replicas, losses are per replica.

    Under `tf.distribute` each replica sees `global_batch / replicas`
    samples and its losses average over those; scaling them by 1/replicas
    makes the summed gradient that of the global-batch mean, as Keras does
    for its own losses.
    """
    return 1.0 / tf.distribute.get_strategy().num_replicas_in_sync


def _update(compute, data, optimizer, variables, scale):
    with tf.GradientTape() as tape:
        total, logs = compute(data)
        # LossScaleOptimizer (mixed precision) scales; others return the
        # loss. Inside the tape, or the gradient would be None.
        scaled = optimizer.scale_loss(total * scale)
    optimizer.apply(tape.gradient(scaled, variables), variables)
    return total, logs


def train_step(model, data):
    scale = _replica_scale()
    d_vars = model.discriminator_variables
    g_vars = model.generator_variables
    for _ in range(model.d_steps):
        d_total, d_logs = _update(
            model.compute_discriminator_loss, data, model.d_optimizer, d_vars, scale
        )
    g_total, g_logs = _update(
        model.compute_generator_loss, data, model.g_optimizer, g_vars, scale
    )
    model.after_generator_update()
    return model.update_metrics(d_total, d_logs, g_total, g_logs)


def test_step(model, data):
    d_total, d_logs = model.compute_discriminator_loss(data, training=False)
    g_total, g_logs = model.compute_generator_loss(data, training=False)
    return model.update_metrics(d_total, d_logs, g_total, g_logs)
