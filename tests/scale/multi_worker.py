"""One worker of a two-process MultiWorkerMirroredStrategy GAN run on 127.0.0.1.

Run as `python tests/scale/multi_worker.py INDEX PORT0 PORT1 OUTDIR`; the
test starts both workers. Each trains a small DCGAN for a few steps and
prints a checksum of its final weights; the chief (index 0) saves the model.
"""

import json
import os
import sys

index, port0, port1, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
os.environ["TF_CONFIG"] = json.dumps(
    {
        "cluster": {"worker": [f"127.0.0.1:{port0}", f"127.0.0.1:{port1}"]},
        "task": {"type": "worker", "index": index},
    }
)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import tensorflow as tf  # noqa: E402

strategy = tf.distribute.MultiWorkerMirroredStrategy()

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402

keras.utils.set_random_seed(0)
images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
data = tf.data.Dataset.from_tensor_slices(images).batch(16)  # global batch 16
with strategy.scope():
    gan = kgl.GAN(
        kgl.architectures.dcgan_generator(8, (8, 8, 1), filters=8),
        kgl.architectures.dcgan_discriminator((8, 8, 1), filters=8),
        seed=0,
    )
    gan.compile(loss="wgan", penalties=["gp"])
history = gan.fit(data, epochs=2, verbose=0)
weights = gan.generator.get_weights() + gan.discriminator.get_weights()
checksum = float(sum(np.sum(np.abs(w.astype("float64"))) for w in weights))
if index == 0:
    gan.save(os.path.join(out, "gan.keras"))
print(
    "RESULT "
    + json.dumps(
        {
            "index": index,
            "replicas": strategy.num_replicas_in_sync,
            "checksum": checksum,
            "g_steps": int(gan.g_optimizer.iterations),
            "finite": bool(all(np.isfinite(v).all() for v in history.history.values())),
        }
    )
)
