"""PyTorch implementation of the GAN step (autograd, eager)."""

import torch


def input_gradient(fn, x, variables=None):
    if not x.requires_grad:
        x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        y = fn(x).sum()
        (grad,) = torch.autograd.grad(y, x, create_graph=True, allow_unused=True)
    if grad is None:
        return torch.zeros_like(x)
    return grad


def _apply(optimizer, loss, variables):
    # autograd.grad touches no .grad buffers, so the two networks' updates
    # never mix and no zero_grad is needed.
    grads = torch.autograd.grad(
        optimizer.scale_loss(loss), [v.value for v in variables], allow_unused=True
    )
    grads = [
        torch.zeros_like(v.value) if g is None else g for g, v in zip(grads, variables)
    ]
    with torch.no_grad():
        optimizer.apply(grads, variables)


def train_step(gan, data):
    real = gan.unpack_real(data)
    batch_size = real.shape[0]
    d_vars = gan.discriminator.trainable_variables
    g_vars = gan.generator.trainable_variables
    for _ in range(gan.d_steps):
        d_total, d_logs = gan.compute_discriminator_loss(
            real, gan.sample_latents(batch_size)
        )
        _apply(gan.d_optimizer, d_total, d_vars)
    g_loss = gan.compute_generator_loss(real, gan.sample_latents(batch_size))
    _apply(gan.g_optimizer, g_loss, g_vars)
    return gan.update_metrics(
        {k: v.detach() for k, v in d_logs.items()}, g_loss.detach()
    )


def test_step(gan, data):
    d_logs, g_loss = gan.compute_evaluation_losses(gan.unpack_real(data))
    return gan.update_metrics(d_logs, g_loss)
