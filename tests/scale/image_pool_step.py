"""`ImagePool` under tf.distribute.MirroredStrategy with 2 CPUs.

Run as `python tests/scale/image_pool_step.py {1|2}`: splits the CPU into
two logical devices, calls a pool of 4 images (seed 0) on 1 or 2 replicas
with the same global batches (5 images: shares of 3 and 2), and prints as
JSON what the global batch got back at each call and every replica's copy
of the stored images and count.
"""

import sys

from tests.scale.two_cpus import (  # first
    mirrored_strategy,
    per_replica,
    print_result,
)

# isort: split
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan_layers.layers import ImagePool  # noqa: E402

replicas = int(sys.argv[1])
strategy = mirrored_strategy(replicas)
# Image k of call c is the constant 10 * c + k: what comes back names it.
images = np.stack(
    [np.full((2, 2, 1), 10.0 * c + k, "float32") for c in range(4) for k in range(5)]
)
with strategy.scope():
    pool = ImagePool(pool_size=4, seed=0)
    pool.build((None, 2, 2, 1))
dataset = strategy.experimental_distribute_dataset(
    tf.data.Dataset.from_tensor_slices(images).batch(5)
)


@tf.function
def call(batch):
    return strategy.run(lambda x: pool(x, training=True), args=(batch,))


shown = []
for batch in dataset:
    parts = per_replica(call(batch))
    shown.append(np.concatenate([p.numpy() for p in parts])[:, 0, 0, 0].tolist())
print_result(
    {
        "replicas": strategy.num_replicas_in_sync,
        "shown": shown,
        "pool": [v.numpy()[:, 0, 0, 0].tolist() for v in per_replica(pool.pool.value)],
        "count": [int(v.numpy()) for v in per_replica(pool.count.value)],
    }
)
