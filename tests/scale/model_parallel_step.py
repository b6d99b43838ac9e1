"""A DCGAN trained under keras.distribution.ModelParallel on JAX.

Run as `python tests/scale/model_parallel_step.py {1|2}` with
XLA_FLAGS=--xla_force_host_platform_device_count=2: builds a small DCGAN
(seeded), and with 2 devices shards the generator's large kernels along
their output axis over a (1, 2) device mesh (the `LayoutMap` of
docs/scaling.md); trains 2 steps of WGAN-GP with SGD on a fixed batch and
prints the weights, their shardings and the logs as JSON.
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402

devices = int(sys.argv[1])
if devices > 1:
    mesh = keras.distribution.DeviceMesh(
        shape=(1, devices), axis_names=("batch", "model"), devices=jax.devices()
    )
    layout_map = keras.distribution.LayoutMap(mesh)
    # Keys are regexes over variable paths ("layer_name/kernel"); the
    # generator is built first in this process, so its layers have the
    # unsuffixed names: the dense projection (latent, units) splits its
    # units over "model", the transposed convolutions (kh, kw, out, in)
    # their output channels.
    layout_map["^dense/kernel$"] = (None, "model")
    layout_map["^conv2d_transpose(_[0-9]+)?/kernel$"] = (None, None, "model", None)
    keras.distribution.set_distribution(
        keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    )
keras.utils.set_random_seed(0)
generator = kgl.architectures.dcgan_generator(8, (8, 8, 1), filters=8)
discriminator = kgl.architectures.dcgan_discriminator((8, 8, 1), filters=8)
gan = kgl.GAN(generator, discriminator, seed=0)
gan.compile(
    keras.optimizers.SGD(0.05),
    keras.optimizers.SGD(0.05),
    loss="wgan",
    penalties=["gp"],
)
initial = [w.tolist() for w in generator.get_weights()]
images = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
history = gan.fit(images, batch_size=8, epochs=2, verbose=0, shuffle=False)
out = {
    "devices": len(jax.devices()),
    "sharded": [
        w.path
        for w in generator.weights
        if len(getattr(w.value, "sharding", None).device_set) > 1
        and not w.value.sharding.is_fully_replicated
    ],
    "d": [w.tolist() for w in discriminator.get_weights()],
    "g": [w.tolist() for w in generator.get_weights()],
    "g_initial": initial,
    "logs": {k: float(v[-1]) for k, v in history.history.items()},
}
print("RESULT " + json.dumps(out))
