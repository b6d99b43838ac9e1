"""One GAN step from fixed weights, data, latents and interpolation weights.

Run as `KERAS_BACKEND=<name> python tests/backend/one_step.py`; prints JSON
with the logged losses and checksums of the updated weights, per loss.
`test_cross_backend_equivalence` runs it under every installed backend and
compares the results.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402

rng = np.random.default_rng(0)
REAL = rng.uniform(-1, 1, (6, 8, 8, 1)).astype("float32")
LATENTS = rng.normal(size=(6, 4)).astype("float32")
EPS = rng.uniform(size=(6, 1, 1, 1)).astype("float32")


class FixedLatentGAN(kgl.GAN):
    def sample_latents(self, batch_size, seed=None):
        return ops.convert_to_tensor(LATENTS)


def fixed_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return ops.convert_to_tensor(EPS)


def run(loss, penalties, spectral_norm=False):
    generator = kgl.architectures.dcgan_generator(
        4, (8, 8, 1), filters=4, normalization=None
    )
    discriminator = kgl.architectures.dcgan_discriminator(
        (8, 8, 1), filters=4, spectral_norm=spectral_norm
    )
    init = np.random.default_rng(1)
    for network in (generator, discriminator):
        network.set_weights(
            [
                init.normal(0, 0.3, w.shape).astype("float32")
                for w in network.get_weights()
            ]
        )
    gan = FixedLatentGAN(generator, discriminator, seed=0)
    gan.compile(
        keras.optimizers.SGD(0.05),
        keras.optimizers.SGD(0.05),
        loss=loss,
        penalties=penalties,
    )
    history = gan.fit(REAL, batch_size=6, epochs=1, verbose=0, shuffle=False)
    out = {k: float(v[0]) for k, v in history.history.items()}
    for name, network in (("g", generator), ("d", discriminator)):
        weights = network.get_weights()
        out[f"{name}_weight_sum"] = float(
            sum(np.sum(w.astype("float64")) for w in weights)
        )
        out[f"{name}_weight_abs_sum"] = float(
            sum(np.sum(np.abs(w.astype("float64"))) for w in weights)
        )
    return out


if __name__ == "__main__":
    keras.random.uniform = fixed_uniform  # the gradient penalty's interpolation weights
    results = {
        "bce": run("bce", []),
        "hinge": run("hinge", []),
        "wgan_gp": run("wgan", ["gp"]),
        # Keras' SpectralNormalization assigns W / sigma to its kernel in
        # training: TensorFlow keeps that assignment, JAX (Keras' own
        # stateless trainer too) and our PyTorch step discard it and
        # differentiate through the normalization. Compared off TensorFlow.
        "hinge_sn": run("hinge", [], spectral_norm=True),
    }
    print(
        "RESULT " + json.dumps({"backend": keras.backend.backend(), "results": results})
    )
    sys.exit(0)
