"""TensorFlow implementation of the GAN step (`tf.GradientTape`)."""

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


def _apply(optimizer, tape, scaled_loss, variables):
    grads = tape.gradient(scaled_loss, variables)
    optimizer.apply(grads, variables)


def _replica_scale():
    """1 / replicas: gradients are summed over replicas, losses are per replica.

    Under `tf.distribute` each replica sees `global_batch / replicas`
    samples and its losses average over those; scaling them by 1/replicas
    makes the summed gradient that of the global-batch mean, as Keras does
    for its own losses.
    """
    return 1.0 / tf.distribute.get_strategy().num_replicas_in_sync


def train_step(gan, data):
    real = gan.unpack_real(data)
    scale = _replica_scale()
    batch_size = tf.shape(real)[0]
    d_vars = gan.discriminator.trainable_variables
    g_vars = gan.generator.trainable_variables
    for _ in range(gan.d_steps):
        latents = gan.sample_latents(batch_size)
        with tf.GradientTape() as tape:
            d_total, d_logs = gan.compute_discriminator_loss(real, latents)
            # LossScaleOptimizer (mixed precision) scales; others return the
            # loss. Inside the tape, or the gradient would be None.
            scaled = gan.d_optimizer.scale_loss(d_total * scale)
        _apply(gan.d_optimizer, tape, scaled, d_vars)

    latents = gan.sample_latents(batch_size)
    with tf.GradientTape() as tape:
        g_loss = gan.compute_generator_loss(real, latents)
        scaled = gan.g_optimizer.scale_loss(g_loss * scale)
    _apply(gan.g_optimizer, tape, scaled, g_vars)
    return gan.update_metrics(d_logs, g_loss)


def test_step(gan, data):
    d_logs, g_loss = gan.compute_evaluation_losses(gan.unpack_real(data))
    return gan.update_metrics(d_logs, g_loss)
