"""Stops `GAN.fit` at the first non-finite loss, naming it."""

import math

import keras
import numpy as np


class NonFiniteLossError(FloatingPointError):
    """Raised by `GAN.fit` when a loss or penalty becomes NaN or infinite."""


class NonFiniteGuard(keras.callbacks.Callback):
    """Checks each batch's logs; raises or stops on a non-finite value.

    `GAN.fit` appends it after the user's callbacks. If another callback
    (e.g. `keras.callbacks.TerminateOnNaN`) already stopped training on the
    same batch, the guard leaves it at that.
    """

    def __init__(self, mode="raise"):
        super().__init__()
        self.mode = mode
        self._epoch = 0
        self.message = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if not logs or self.model.stop_training:
            return
        keys = [k for k in logs if k != "loss"] + (["loss"] if "loss" in logs else [])
        for key in keys:
            value = float(np.asarray(logs[key]))
            if not math.isfinite(value):
                self.message = (
                    f"GAN training stopped: {key} is {value} at epoch "
                    f"{self._epoch + 1}, batch {batch + 1}. Other logs: "
                    + ", ".join(
                        f"{k}={float(np.asarray(v)):.4g}"
                        for k, v in logs.items()
                        if k != key
                    )
                    + ". Lower the learning rates, add a penalty or check the "
                    "data for NaNs. The model keeps the weights of this step; "
                    "gan.history holds the logs of the completed epochs."
                )
                if self.mode == "raise":
                    raise NonFiniteLossError(self.message)
                print(self.message)
                self.model.stop_training = True
                return
