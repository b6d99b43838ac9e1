"""One closed-form GAN step under keras.distribution.DataParallel on JAX.

Run as `python tests/scale/data_parallel_step.py {1|2} LOSS` with
XLA_FLAGS=--xla_force_host_platform_device_count=2: trains the linear-D /
constant-G GAN for one step on 1 or 2 host devices with the same global
batch and prints the weights as JSON.
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan_layers import GAN  # noqa: E402
from tests.helpers import constant_generator, linear_discriminator  # noqa: E402

devices = int(sys.argv[1])
loss = sys.argv[2]
if devices > 1:
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=jax.devices("cpu")[:devices])
    )
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]], "float32")
gan = GAN(
    constant_generator(3, [0.2, 0.4]), linear_discriminator(2, [0.5, -0.3], 0.1), seed=0
)
gan.compile(
    keras.optimizers.SGD(0.1),
    keras.optimizers.SGD(0.1),
    loss=loss,
    penalties=["gp"] if loss == "wgan" else [],
)
history = gan.fit(X, batch_size=4, epochs=1, verbose=0, shuffle=False)
out = {
    "devices": len(jax.devices()),
    "distributed": keras.distribution.distribution() is not None,
    "d": [w.tolist() for w in gan.discriminator.get_weights()],
    "g": [w.tolist() for w in gan.generator.get_weights()],
    "logs": {k: float(v[0]) for k, v in history.history.items()},
}
print("RESULT " + json.dumps(out))
