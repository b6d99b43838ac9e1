"""CycleGAN and pix2pix learn the digits -> negatives translation (TensorFlow).

The run of `examples/cyclegan_digits.py` with 200 steps of batch 16
(about 40 s for both models on 2 CPU cores): on 197 held-out digits the
cycle reconstruction error must fall below half its value at
initialisation in both directions, a logistic-regression domain
classifier trained on the real domains must put >= 90% of the
translations in the target domain, and pix2pix's L1 error against the
true negatives must be below 0.2 (the identity map scores the mean of
|2 a|, about 1.3).
"""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.tensorflow_only
def test_digits_to_negatives():
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import cyclegan_digits
    finally:
        sys.path.pop(0)
    figures = cyclegan_digits.run(steps=200, batch_size=16, seed=0)
    print(figures)
    assert figures["cycle_error_a"] < 0.5 * figures["cycle_error_a_initial"]
    assert figures["cycle_error_b"] < 0.5 * figures["cycle_error_b_initial"]
    assert figures["a_to_b_judged_b"] >= 0.9
    assert figures["b_to_a_judged_a"] >= 0.9
    assert figures["pix2pix_l1"] < 0.2
