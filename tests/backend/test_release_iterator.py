"""`GAN.fit` destroys its tf.data iterator on a background thread
(`keras_gan_layers.backend.tensorflow.release_iterator`); the process must
not exit before that destructor has finished.

A daemon thread still inside the destructor when Python finalizes is
stopped as it retakes the GIL; inside TensorFlow's C++ destructor that
aborted `keras-gan train --distribute` (exit status 134) in 1 of 3-5 runs.
Here the "iterator" is an object whose destructor releases the GIL for
0.5 s and then writes a file: the file exists after the process exits only
if the interpreter waited for the destructor.
"""

import os
import subprocess
import sys

import pytest

CODE = """
import sys, time
from types import SimpleNamespace
from keras_gan_layers.backend.tensorflow import release_iterator, wrap_train_function

class SlowIterator:
    def __del__(self):
        time.sleep(0.5)  # the GIL is free, as in TensorFlow's destructor
        with open(sys.argv[1], "w") as f:
            f.write("destroyed")

train_function = wrap_train_function(None, lambda iterator: None)
train_function(SlowIterator())
release_iterator(SimpleNamespace(train_function=train_function))
print("released")
"""


@pytest.mark.backend_independent
def test_process_waits_for_the_released_iterator(tmp_path):
    pytest.importorskip("tensorflow")
    marker = tmp_path / "marker"
    result = subprocess.run(
        [sys.executable, "-c", CODE, str(marker)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "released"
    assert marker.read_text() == "destroyed"
