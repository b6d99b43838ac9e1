import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(
        reason=f"needs the TensorFlow backend, not {keras.backend.backend()}"
    )
    once = pytest.mark.skip(
        reason="backend-independent (numpy/scipy): run in the TensorFlow pass"
    )
    for item in items:
        if keras.backend.backend() == "tensorflow":
            continue
        if "tensorflow_only" in item.keywords:
            item.add_marker(skip)
        elif "backend_independent" in item.keywords:
            item.add_marker(once)


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield
    # Without the gc.collect() of free_memory=True: ~0.5 s a test with three
    # frameworks imported, minutes per pass; Python's own gc still runs.
    keras.backend.clear_session(free_memory=False)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
