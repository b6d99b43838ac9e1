"""PyTorch implementation of the adversarial step (autograd, eager).

The step knows no model family: it calls the `AdversarialModel` protocol.

Each player's objective runs in a `keras.StatelessScope` that maps every
variable of the model to its current tensor, as on JAX: what the objective
assigns (batch statistics, spectral-normalization vectors, the seed state,
ADA's probability) is written back after the gradients are taken, never in
place during the forward pass. In place, the second discriminator call of a
step (real, then fake) would overwrite a tensor autograd saved in the first
(`keras.layers.SpectralNormalization` assigns its kernel in training), and
`backward` would fail. Assignments to trainable variables inside the
objective are discarded, as on JAX: the optimizer alone updates them.
"""

import keras
import torch


def input_gradient(fn, x):
    """`d sum(fn(x)) / dx`; see `keras_gan_layers.backend.input_gradient`."""
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        y = fn(x).sum()
        (grad,) = torch.autograd.grad(y, x, create_graph=True, allow_unused=True)
    if grad is None:
        return torch.zeros_like(x)
    return grad


def _objective(model, compute, data):
    """`compute(data)` with the model's variables read from, and assigned to, a scope."""
    state = [*model.trainable_variables, *model.non_trainable_variables]
    mapping = [(v, v.value) for v in state]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        total, logs = compute(data)
    with torch.no_grad():
        for v in model.non_trainable_variables:
            value = scope.get_current_value(v)
            if value is not None and value is not v.value:
                v.assign(value.detach())
    return total, logs


def _update(model, compute, data, optimizer, variables):
    total, logs = _objective(model, compute, data)
    if not variables:  # a player without trainable weights (as on TF and JAX)
        return total.detach(), {k: v.detach() for k, v in logs.items()}
    # autograd.grad touches no .grad buffers, so the two players' updates
    # never mix and no zero_grad is needed.
    grads = torch.autograd.grad(
        optimizer.scale_loss(total), [v.value for v in variables], allow_unused=True
    )
    grads = [
        torch.zeros_like(v.value) if g is None else g for g, v in zip(grads, variables)
    ]
    with torch.no_grad():
        optimizer.apply(grads, variables)
    return total.detach(), {k: v.detach() for k, v in logs.items()}


def train_step(model, data):
    d_vars = model.discriminator_variables
    g_vars = model.generator_variables
    for d_data in model.discriminator_batches(data):
        d_total, d_logs = _update(
            model, model.compute_discriminator_loss, d_data, model.d_optimizer, d_vars
        )
    g_total, g_logs = _update(
        model,
        model.compute_generator_loss,
        model.generator_batch(data),
        model.g_optimizer,
        g_vars,
    )
    with torch.no_grad():
        model.after_generator_update()
    return model.update_metrics(d_total, d_logs, g_total, g_logs)


def test_step(model, data):
    d_total, d_logs = model.compute_discriminator_loss(data, training=False)
    g_total, g_logs = model.compute_generator_loss(data, training=False)
    return model.update_metrics(d_total, d_logs, g_total, g_logs)


def wrap_train_function(model, train_function):
    """Nothing to wrap: this backend's trainer feeds arrays without tf.data."""
    return train_function


def release_iterator(model):
    """Nothing to release on this backend."""
