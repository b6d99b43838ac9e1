"""`AdaptiveAugment.update` under tf.distribute.MirroredStrategy with 2 CPUs.

Run as `python tests/scale/ada_step.py {1|2}`: splits the CPU into two
logical devices, feeds the same global batches of discriminator logits (5
a call: shares of 3 and 2) to `update` on 1 or 2 replicas, and prints as
JSON every replica's copy of the state after each call.
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

from keras_gan_layers.layers import AdaptiveAugment  # noqa: E402

replicas = int(sys.argv[1])
strategy = mirrored_strategy(replicas)
# Signs chosen so that the replicas' shares disagree: the first 3 of each
# call are mostly positive, the last 2 negative.
logits = np.array(
    [[1, 2, -1, -3, -4], [2, 1, 3, -1, -2], [-1, 1, 2, -2, -5], [3, 3, 1, -1, -1]],
    "float32",
).reshape(-1, 1)
with strategy.scope():
    ada = AdaptiveAugment(interval=2, ada_kimg=0.1, initial_p=0.5, seed=0)
dataset = strategy.experimental_distribute_dataset(
    tf.data.Dataset.from_tensor_slices(logits).batch(5)
)


@tf.function
def update(batch):
    return strategy.run(ada.update, args=(batch,))


def values(variable):
    return [float(v.numpy()) for v in per_replica(variable.value)]


states = []
for batch in dataset:
    update(batch)
    states.append(
        {
            name: values(getattr(ada, name))
            for name in ("p", "r_t", "sign_sum", "sign_count", "image_count")
        }
    )
print_result({"replicas": strategy.num_replicas_in_sync, "states": states})
