"""Fixed latent vectors and batched generation, shared by callbacks and the CLI."""

import keras
import numpy as np


def resolve_generator(model, generator, owner):
    """`generator` if given, else `model.generator`; a clear error otherwise."""
    generator = generator or getattr(model, "generator", None)
    if generator is None:
        raise ValueError(
            f"{owner} needs a model with a `generator` attribute, or "
            f"{owner}(generator=...)."
        )
    return generator


def fixed_latents(model, generator, num, seed):
    """`num` latent vectors drawn with numpy from `seed` (same on every backend).

    The shape comes from `model.latent_shape` (a `GAN`) or the generator's
    input; the distribution from `model.latent_distribution` (standard normal
    unless it says `"uniform"`, then uniform on [-1, 1]).
    """
    shape = getattr(model, "latent_shape", None) or tuple(generator.inputs[0].shape[1:])
    size = (int(num), *shape)
    rng = np.random.default_rng(seed)
    if getattr(model, "latent_distribution", "normal") == "uniform":
        return rng.uniform(-1.0, 1.0, size).astype("float32")
    return rng.standard_normal(size).astype("float32")


def generate_numpy(generator, latents, batch_size=256):
    """Run `generator` in inference mode over `latents` in batches; numpy out."""
    return np.concatenate(
        [
            keras.ops.convert_to_numpy(
                generator(latents[i : i + batch_size], training=False)
            )
            for i in range(0, len(latents), batch_size)
        ]
    )
