"""Search GAN hyperparameters on the bundled digits with keras-tuner (objective: KID).

pip install "keras-gan-layers[tuner]"
python examples/tune_digits.py
"""

import keras_tuner as kt
import numpy as np

import keras_gan_layers as kgl
from keras_gan_layers.tuners import GANHyperModel, check_search, trials_table

images = kgl.datasets.load_digits()  # (1797, 8, 8, 1) in [-1, 1]
images = images[np.random.default_rng(0).permutation(len(images))]
held_out, train = images[:400], images[400:]

hypermodel = GANHyperModel(
    image_shape=(8, 8, 1),
    real_data=held_out,  # generated samples are compared with these
    feature_extractor=kgl.metrics.DigitsFeatureExtractor(),  # offline; Inception-v3 by default
    eval_samples=400,
)
fixed = kt.HyperParameters()
fixed.Fixed("filters", 32)  # keep any part of the space fixed

tuner = kt.RandomSearch(
    hypermodel,
    objective=GANHyperModel.objective,  # Objective("val_kid", "min")
    max_trials=6,
    hyperparameters=fixed,
    tune_new_entries=True,
    directory="tune_digits",
    overwrite=True,
)
tuner.search(train, epochs=3, batch_size=64, verbose=0)
check_search(tuner)  # raises if every trial failed, warns about failed ones

for row in trials_table(tuner):
    print(row["trial_id"], row["status"], row["score"], row["loss"])
best = tuner.get_best_models(1)[0]
best.generator.save("best_generator.keras")
print("best:", tuner.get_best_hyperparameters()[0].values)
