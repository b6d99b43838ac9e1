"""One process of a multi-process GAN run on JAX's distributed runtime.

Run as `python tests/scale/multi_process_step.py PROCESS_ID NUM_PROCESSES
PORT MODELS OUTDIR` (MODELS: `gan_wgan_gp`, `conditional`, or both joined by
a comma); `tests/scale/test_multi_process.py` starts it. With
NUM_PROCESSES > 1 the process joins a cluster whose coordinator is process 0
at 127.0.0.1:PORT (`keras.distribution.initialize`, CPU collectives over
gloo), and trains under `keras.distribution.DataParallel` over every
process's devices; with NUM_PROCESSES = 1 it is the single-process reference
(no distribution).

The global batch is fixed: the 8 rows of `DATA`. Process i feeds only its
own contiguous share of it (rows `i * 8 / n ... (i + 1) * 8 / n`), with
`auto_shard_dataset=False` (Keras' rule for non-tf.data input across
processes); `jax.make_array_from_process_local_data` then joins the shares in
process order, so every step sees the same global batch as the reference.
Each model trains 3 steps (3 epochs of one batch) with SGD, tiny MLPs with
fixed weights and `ema_decay`; the networks' and the EMA's weights after
every step, the logs, and what was saved go to OUTDIR/MODEL-PROCESS_ID.json.
Only the chief (process 0) writes OUTDIR/MODEL.keras.
"""

import json
import os
import sys
import tempfile
import time

START = time.perf_counter()

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402

process_id, num_processes = int(sys.argv[1]), int(sys.argv[2])
port, models, out = sys.argv[3], sys.argv[4].split(","), sys.argv[5]

import keras  # noqa: E402

IMPORTED = time.perf_counter() - START
if num_processes > 1:
    # CPU collectives across processes (gloo, already the default in JAX 0.10;
    # GPUs and TPUs bring their own).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    keras.distribution.initialize(
        f"127.0.0.1:{port}", num_processes=num_processes, process_id=process_id
    )
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=jax.devices(), auto_shard_dataset=False)
    )

import numpy as np  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402

INITIALIZED = time.perf_counter() - START

GLOBAL_BATCH = 8
STEPS = 3
LATENT = 3
NUM_CLASSES = 3
rng = np.random.default_rng(0)
DATA = rng.uniform(-1, 1, (GLOBAL_BATCH, 2)).astype("float32")
LABELS = rng.integers(0, NUM_CLASSES, GLOBAL_BATCH).astype("int32")


def fixed_weights(model, seed):
    """Set every weight from a seeded numpy stream (same in every process)."""
    r = np.random.default_rng(seed)
    model.set_weights(
        [r.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    )
    return model


def build(name):
    if name == "gan_wgan_gp":
        z = keras.Input((LATENT,))
        generator = fixed_weights(keras.Model(z, keras.layers.Dense(2)(z)), 1)
        x = keras.Input((2,))
        h = keras.layers.Dense(4, activation="tanh")(x)
        discriminator = fixed_weights(keras.Model(x, keras.layers.Dense(1)(h)), 2)
        gan = kgl.GAN(generator, discriminator, seed=0, data_range=None, ema_decay=0.5)
        gan.compile(
            keras.optimizers.SGD(0.05),
            keras.optimizers.SGD(0.05),
            loss="wgan",
            penalties=["gp"],
            d_steps=2,
        )
        return gan, (DATA,)
    if name == "conditional":
        z, y = keras.Input((LATENT,)), keras.Input((), dtype="int32")
        code = keras.layers.Embedding(NUM_CLASSES, 2)(y)
        g_out = keras.layers.Dense(2)(keras.layers.Concatenate()([z, code]))
        generator = fixed_weights(keras.Model([z, y], g_out), 3)
        x, y = keras.Input((2,)), keras.Input((), dtype="int32")
        code = keras.layers.Embedding(NUM_CLASSES, 2)(y)
        h = keras.layers.Dense(4, activation="tanh")(
            keras.layers.Concatenate()([x, code])
        )
        discriminator = fixed_weights(keras.Model([x, y], keras.layers.Dense(1)(h)), 4)
        gan = kgl.ConditionalGAN(
            generator,
            discriminator,
            num_classes=NUM_CLASSES,
            seed=0,
            data_range=None,
            ema_decay=0.5,
        )
        gan.compile(
            keras.optimizers.SGD(0.05),
            keras.optimizers.SGD(0.05),
            loss="hinge",
            penalties=["gp"],
        )
        return gan, (DATA, LABELS)
    raise ValueError(f"Unknown model {name!r}")


def weights(model):
    return [np.asarray(w).tolist() for w in model.get_weights()]


class Record(keras.callbacks.Callback):
    """The weights after every step (one step an epoch, so they are synced)."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_epoch_end(self, epoch, logs=None):
        self.steps.append(
            {
                "g": weights(self.model.generator),
                "ema": weights(self.model.ema_generator),
            }
        )


share = GLOBAL_BATCH // num_processes
rows = slice(process_id * share, (process_id + 1) * share)
for name in models:
    begin = time.perf_counter()
    gan, data = build(name)
    built = time.perf_counter() - begin
    initial = {"d": weights(gan.discriminator), "g": weights(gan.generator)}
    local = tuple(d[rows] for d in data)
    record = Record()
    history = gan.fit(
        *local,
        batch_size=share,
        epochs=STEPS,
        shuffle=False,
        verbose=0,
        callbacks=[record],
    )
    trained = time.perf_counter() - begin
    # Every process samples (as callbacks would: they run in every process)
    # and every process saves: the first `save` in a process creates
    # variables (Keras' saving builds a reference optimizer), and creating a
    # variable under a multi-process distribution is a collective (JAX
    # checks that every process puts the same value), so a chief-only first
    # save waits for, or clashes with, the other processes. The chief writes
    # to OUTDIR, the others to a folder deleted at once.
    if name == "conditional":
        samples = gan.generate(4, labels=[0, 1, 2, 0], seed=1)
    else:
        samples = gan.generate(4, seed=1)
    saved = None
    if process_id == 0:
        saved = os.path.join(out, f"{name}.keras")
        gan.save(saved)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            gan.save(os.path.join(scratch, f"{name}.keras"))
    result = {
        "process_id": jax.process_index(),
        "process_count": jax.process_count(),
        "global_devices": len(jax.devices()),
        "distributed": keras.distribution.distribution() is not None,
        "local_rows": int(local[0].shape[0]),
        "initial": initial,
        "d": weights(gan.discriminator),
        "g": weights(gan.generator),
        "ema": weights(gan.ema_generator),
        "steps": record.steps,
        "g_iterations": int(np.asarray(gan.g_optimizer.iterations)),
        "d_iterations": int(np.asarray(gan.d_optimizer.iterations)),
        "logs": {k: [float(x) for x in v] for k, v in history.history.items()},
        "samples": samples.tolist(),
        "saved": saved,
        "seconds": {
            "import": IMPORTED,
            "initialize": INITIALIZED - IMPORTED,
            "build": built,
            "fit": trained - built,
            "sample_and_save": time.perf_counter() - begin - trained,
        },
    }
    with open(os.path.join(out, f"{name}-{process_id}.json"), "w") as f:
        json.dump(result, f)
print("DONE", process_id, flush=True)
