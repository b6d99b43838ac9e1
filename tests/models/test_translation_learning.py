"""CycleGAN and pix2pix learn the digits -> negatives translation (TensorFlow).

The run of `examples/cyclegan.py` with 200 steps of batch 16
(about 40 s for both models on 2 CPU cores), writing its grids and
histories as the script does: on 197 held-out digits the
cycle reconstruction error must fall below half its value at
initialisation in both directions, a logistic-regression domain
classifier trained on the real domains must put >= 90% of the
translations in the target domain, and pix2pix's L1 error against the
true negatives must be below 0.2 (the identity map scores the mean of
|2 a|, about 1.3).
"""

import csv
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.tensorflow_only
def test_digits_to_negatives(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import cyclegan
    finally:
        sys.path.pop(0)
    out = tmp_path / "out"
    figures = cyclegan.run(steps=200, batch_size=16, seed=0, out=str(out))
    print(figures)
    # The example's outputs (its --smoke is too dear for tests/test_examples.py):
    # ten epochs of 20 steps, a grid and a history row each, for both models.
    for folder, log in ((out, "cycle_loss"), (out / "pix2pix", "l1_loss")):
        grids = sorted(p.name for p in folder.glob("epoch_*.png"))
        assert grids == [f"epoch_{e:04d}.png" for e in range(1, 11)]
        with open(folder / "history.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert [int(r["epoch"]) for r in rows] == list(range(10))
        assert all(float(r[log]) >= 0 for r in rows)
    assert figures["cycle_error_a"] < 0.5 * figures["cycle_error_a_initial"]
    assert figures["cycle_error_b"] < 0.5 * figures["cycle_error_b_initial"]
    assert figures["a_to_b_judged_b"] >= 0.9
    assert figures["b_to_a_judged_a"] >= 0.9
    assert figures["pix2pix_l1"] < 0.2
