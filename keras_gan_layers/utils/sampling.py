"""Latent vectors and batched generation, shared by models, callbacks and the CLI.

Everything outside the training step draws latent vectors here, with numpy
from an integer seed, so `generate(seed=s)`, `ImageSnapshot(seed=s)`,
`GANEvaluation(seed=s)` and `keras-gan sample --seed s` see the same vectors
on every backend, and none of them moves the model's training stream.
"""

import keras
import numpy as np

LATENT_DISTRIBUTIONS = ("normal", "uniform")


def resolve_generator(model, generator, owner):
    """`generator` if given, else the model's sampling generator (EMA if any)."""
    generator = (
        generator
        or getattr(model, "sampling_generator", None)
        or getattr(model, "generator", None)
    )
    if generator is None:
        raise ValueError(
            f"{owner} needs a model with a `generator` attribute, or "
            f"{owner}(generator=...)."
        )
    return generator


def check_truncation(truncation, distribution="normal"):
    """Validate a truncation threshold; return it as a float or None."""
    if truncation is None:
        return None
    if distribution != "normal":
        raise ValueError(
            "truncation applies to normal latent vectors only (BigGAN's "
            f"truncation trick). This model draws {distribution!r} latents."
        )
    if isinstance(truncation, bool) or not float(truncation) > 0:
        raise ValueError(
            "truncation must be a positive float (e.g. 0.5), or None. "
            f"Received: truncation={truncation!r}"
        )
    return float(truncation)


def latent_vectors(shape, num, seed=None, distribution="normal", truncation=None):
    """`num` latent vectors of `shape`, drawn with numpy (float32).

    Args:
        shape: Shape of one latent vector (tuple of ints).
        num: Number of vectors.
        seed: Int for repeatable vectors (the same on every backend), or
            None for fresh ones.
        distribution: `"normal"` (standard normal) or `"uniform"` ([-1, 1]).
        truncation: None, or psi > 0: each normal component is drawn from a
            standard normal truncated to [-psi, psi] (BigGAN's truncation
            trick: components outside are redrawn), by inverting the CDF
            (`scipy.stats.truncnorm`), so any psi takes the same time.

    Returns:
        A float32 array `(num, *shape)`.
    """
    if distribution not in LATENT_DISTRIBUTIONS:
        raise ValueError(
            f"distribution must be one of {', '.join(LATENT_DISTRIBUTIONS)}. "
            f"Received: distribution={distribution!r}"
        )
    truncation = check_truncation(truncation, distribution)
    size = (int(num), *shape)
    rng = np.random.default_rng(seed)
    if distribution == "uniform":
        return rng.uniform(-1.0, 1.0, size).astype("float32")
    if truncation is not None:
        from scipy.stats import truncnorm

        z = truncnorm.rvs(-truncation, truncation, size=size, random_state=rng)
        # The inverse CDF can overshoot psi by ~1e-4 relative for tiny psi.
        return np.clip(z, -truncation, truncation).astype("float32")
    return rng.standard_normal(size).astype("float32")


def fixed_latents(model, generator, num, seed, truncation=None):
    """`num` latent vectors for `model`'s generator, drawn with numpy from `seed`.

    The shape comes from `model.latent_shape` (a `GAN`) or the generator's
    (first) input; the distribution from `model.latent_distribution`
    (standard normal unless it says `"uniform"`).
    """
    shape = getattr(model, "latent_shape", None) or tuple(generator.inputs[0].shape[1:])
    distribution = getattr(model, "latent_distribution", "normal")
    return latent_vectors(shape, num, seed, distribution, truncation)


def generate_numpy(generator, latents, batch_size=256, labels=None):
    """Run `generator` in inference mode over `latents` in batches; numpy out.

    With `labels`, the generator is called on `[latents, labels]`
    (conditional generators).
    """

    def inputs(i):
        z = latents[i : i + batch_size]
        return z if labels is None else [z, labels[i : i + batch_size]]

    return np.concatenate(
        [
            keras.ops.convert_to_numpy(generator(inputs(i), training=False))
            for i in range(0, len(latents), batch_size)
        ]
    )
