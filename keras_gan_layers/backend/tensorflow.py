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


def _apply(optimizer, tape, loss, variables):
    # LossScaleOptimizer (mixed precision) scales the loss; others return it.
    grads = tape.gradient(optimizer.scale_loss(loss), variables)
    optimizer.apply(grads, variables)


def train_step(gan, data):
    real = gan.unpack_real(data)
    batch_size = tf.shape(real)[0]
    d_vars = gan.discriminator.trainable_variables
    g_vars = gan.generator.trainable_variables
    for _ in range(gan.d_steps):
        latents = gan.sample_latents(batch_size)
        with tf.GradientTape() as tape:
            d_total, d_logs = gan.compute_discriminator_loss(real, latents)
        _apply(gan.d_optimizer, tape, d_total, d_vars)

    latents = gan.sample_latents(batch_size)
    with tf.GradientTape() as tape:
        g_loss = gan.compute_generator_loss(real, latents)
    _apply(gan.g_optimizer, tape, g_loss, g_vars)
    return gan.update_metrics(d_logs, g_loss)


def test_step(gan, data):
    d_logs, g_loss = gan.compute_evaluation_losses(gan.unpack_real(data))
    return gan.update_metrics(d_logs, g_loss)
