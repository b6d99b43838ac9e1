"""One closed-form GAN step under tf.distribute.MirroredStrategy with 2 CPUs.

Run as `python tests/scale/mirrored_step.py {1|2}`: splits the CPU into two
logical devices, trains the linear-D / constant-G GAN of test_gan_step for
one step on 1 or 2 replicas with the same global batch, and prints the
resulting weights (and the generator EMA, decay 0.5) as JSON.
"""

import sys

from tests.scale.two_cpus import mirrored_strategy, print_result  # first

# isort: split
import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan_layers import GAN  # noqa: E402
from tests.helpers import constant_generator, linear_discriminator  # noqa: E402

X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]], "float32")
replicas = int(sys.argv[1])
loss = sys.argv[2]
strategy = mirrored_strategy(replicas)
with strategy.scope():
    gan = GAN(
        constant_generator(3, [0.2, 0.4]),
        linear_discriminator(2, [0.5, -0.3], 0.1),
        seed=0,
        ema_decay=0.5,
    )
    gan.compile(
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1),
        loss=loss,
        penalties=["gp"] if loss == "wgan" else [],
    )
history = gan.fit(X, batch_size=4, epochs=1, verbose=0, shuffle=False)
# Keras allows fit outside the scope the model was made in; optimizers with
# per-weight slots (Adam, the default) must then still be built under it.
with strategy.scope():
    adam_gan = GAN(
        constant_generator(3, [0.2, 0.4]), linear_discriminator(2, [0.5, -0.3])
    )
    adam_gan.compile(loss=loss)
adam_gan.fit(X, batch_size=4, epochs=1, verbose=0)
out = {
    "replicas": strategy.num_replicas_in_sync,
    "d": [w.tolist() for w in gan.discriminator.get_weights()],
    "g": [w.tolist() for w in gan.generator.get_weights()],
    "ema": [w.tolist() for w in gan.ema_generator.get_weights()],
    "logs": {k: float(v[0]) for k, v in history.history.items()},
}
print_result(out)
