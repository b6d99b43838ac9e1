"""A small GAN training run for the resume test (`test_resume.py`).

Run as a script: trains a fully connected GAN (batch norm in the generator) with WGAN-GP, d_steps=2, dropout in the
critic and a generator EMA on 8x8 digits under
`keras.callbacks.BackupAndRestore(--backup)`, then writes every weight,
both optimizers' variables and every random-generator state to `--out`
(`.npz`). With `--hang-at EPOCH BATCH` it writes `--marker` after that batch
and waits to be killed. `--init-seed` seeds the networks' initial weights
and the default seeds (the model's seed is None): a resumed run given
another one must still end exactly where the uninterrupted run ends, so
everything it continues from has to come from the backup.
"""

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402

EPOCHS = 3


class Hang(keras.callbacks.Callback):
    def __init__(self, epoch, batch, marker):
        super().__init__()
        self.at, self.marker, self.epoch = (epoch, batch), marker, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            with open(self.marker, "w") as f:
                f.write("ready")
            time.sleep(600)  # until SIGKILL


def critic():
    """A small critic with dropout.

    On PyTorch, Keras' `Dropout(seed=None)` draws from torch's global
    generator, which is process state, not the layer's `SeedGenerator`, so
    no saved model can continue it; a seeded `Dropout` draws from its own
    generator, which is saved. TensorFlow and JAX use the layer's generator
    either way, so there the unseeded layer is tested.
    """
    seed = 11 if keras.backend.backend() == "torch" else None
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(32),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Dropout(0.3, seed=seed),
            keras.layers.Dense(1),
        ],
        name="critic",
    )


def state(gan):
    arrays = {}
    for net in ("generator", "discriminator", "ema_generator"):
        for i, w in enumerate(getattr(gan, net).weights):
            arrays[f"{net}/{i}"] = keras.ops.convert_to_numpy(w.value)
    for name in ("d_optimizer", "g_optimizer"):
        for i, v in enumerate(getattr(gan, name).variables):
            arrays[f"{name}/{i}"] = keras.ops.convert_to_numpy(v.value)
    for i, g in enumerate(gan.random_generators()):
        arrays[f"random/{i}"] = keras.ops.convert_to_numpy(g.state.value)
    return arrays


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backup", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--init-seed", type=int, default=0)
    p.add_argument("--hang-at", type=int, nargs=2, default=None)
    p.add_argument("--marker", default=None)
    args = p.parse_args()
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(args.init_seed)
    images = kgl.datasets.load_digits()[:96]
    gan = kgl.GAN(
        kgl.architectures.mlp_generator(
            8, (8, 8, 1), hidden_units=(32,), normalization="batch"
        ),
        critic(),
        seed=None,
        ema_decay=0.9,
    )
    gan.compile(loss="wgan", penalties=["gp"], d_steps=2)
    callbacks = [keras.callbacks.BackupAndRestore(args.backup)]
    if args.hang_at:
        callbacks.append(Hang(*args.hang_at, args.marker))
    history = gan.fit(
        images,
        batch_size=32,
        epochs=EPOCHS,
        shuffle=False,
        callbacks=callbacks,
        verbose=0,
    )
    arrays = state(gan)
    arrays["epochs_run"] = np.array(len(history.history["loss"]))
    np.savez(args.out, **arrays)


if __name__ == "__main__":
    main()
