"""TensorFlow implementation of the adversarial step (`tf.GradientTape`).

The step knows no model family: it calls the `AdversarialModel` protocol
(`compute_discriminator_loss`, `compute_generator_loss`, the two variable
lists, `after_generator_update`, `d_steps`).
"""

import threading

import tensorflow as tf


def input_gradient(fn, x):
    """`d sum(fn(x)) / dx`; see `keras_gan_layers.backend.input_gradient`."""
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
    if variables:  # a frozen player: Keras' apply([]) would move every weight
        optimizer.apply(tape.gradient(scaled, variables), variables)
    return total, logs


def train_step(model, data):
    with _after(data):
        scale = _replica_scale()
        d_vars = model.discriminator_variables
        g_vars = model.generator_variables
        for d_data in model.discriminator_batches(data):
            d_total, d_logs = _update(
                model.compute_discriminator_loss,
                d_data,
                model.d_optimizer,
                d_vars,
                scale,
            )
        g_total, g_logs = _update(
            model.compute_generator_loss,
            model.generator_batch(data),
            model.g_optimizer,
            g_vars,
            scale,
        )
        model.after_generator_update()
        return model.update_metrics(d_total, d_logs, g_total, g_logs)


def test_step(model, data):
    with _after(data):
        d_total, d_logs = model.compute_discriminator_loss(data, training=False)
        g_total, g_logs = model.compute_generator_loss(data, training=False)
        return model.update_metrics(d_total, d_logs, g_total, g_logs)


def _after(data):
    """Make every op of the step wait for the batch's tensors.

    On an input of unknown length (a generator, a filtered dataset) Keras
    runs the traced step until `get_next` fails inside it. Stateful ops
    that do not read the data still ran in that last call: a `Mean`'s
    `count += 1` (every epoch mean came out times n / (n + 1): 2 batches,
    d_loss 0.96 for 1.44), the optimizers' `iterations += 1` (3 after 2
    steps: learning-rate schedules, `ema_start` and lazy penalties one
    step ahead per such epoch) and the seed generator's state.
    """
    return tf.control_dependencies(
        [t for t in tf.nest.flatten(data) if tf.is_tensor(t)]
    )


def gather_replicas(x):
    """`(every replica's x along axis 0, where this replica's rows start)`,
    or `(x, None)` outside a `tf.distribute` replica context of several
    replicas; see `keras_gan_layers.backend.gather_replicas`."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return x, None
    sizes = context.all_gather(tf.shape(x)[:1], axis=0)  # shares may differ
    start = tf.reduce_sum(sizes[: context.replica_id_in_sync_group])
    return context.all_gather(x, axis=0), start


def wrap_train_function(model, train_function):
    """Keep the last input iterator alive past `fit`, for `release_iterator`.

    Keras feeds numpy arrays through `tf.data` with `prefetch(AUTOTUNE)`.
    The autotuner's thread sleeps in periods that double from 10 ms (capped
    at 60 s), and destroying the iterator at the end of `fit` waits for the
    current period to end: a `fit` call's wall time rounds up to the next
    10.24 ms x 2^k boundary (5.1, 10.2, 20.5, 41, 82 s...), up to twice the
    training time, whichever model it is. Holding the iterator here lets
    `release_iterator` destroy it on a background thread instead.
    """
    if getattr(train_function, "iterator_holder", None) is not None:
        return train_function
    holder = []

    def keeping_train_function(iterator):
        holder[:] = [iterator]
        return train_function(iterator)

    keeping_train_function.iterator_holder = holder
    return keeping_train_function


def _destroy(holder):
    holder.clear()  # the iterator's destructor runs (and waits) here


def release_iterator(model):
    """Destroy the last `fit` iterator on a background thread (see above).

    The thread is not a daemon: the interpreter waits for it at exit, as
    Keras would have waited at the end of `fit`. A daemon thread still in
    the iterator's destructor when Python finalizes is stopped as it takes
    the GIL back, from inside TensorFlow's C++ destructor, and that aborts
    the process ("FATAL: exception not rethrown", exit status 134) after
    everything was written: 1 in 3 to 5 `keras-gan train --distribute` runs
    on 2 CPU devices did.
    """
    holder = getattr(getattr(model, "train_function", None), "iterator_holder", None)
    if not holder:
        return
    doomed = [holder.pop()]
    threading.Thread(
        target=_destroy, args=(doomed,), name="release_iterator", daemon=False
    ).start()
