"""`GANHyperModel`: a search space over GAN training, judged by KID."""

import keras

from keras_gan_layers.tuners._keras_tuner import import_keras_tuner

kt = import_keras_tuner()

#: The default search space: name -> (kind, arguments). Pinned by a test.
DEFAULT_SEARCH_SPACE = {
    "loss": (
        "choice",
        {"values": ["bce", "lsgan", "hinge", "wgan_gp"], "default": "bce"},
    ),
    "d_learning_rate": (
        "float",
        {"min_value": 1e-5, "max_value": 1e-3, "sampling": "log", "default": 2e-4},
    ),
    "g_learning_rate": (
        "float",
        {"min_value": 1e-5, "max_value": 1e-3, "sampling": "log", "default": 2e-4},
    ),
    "beta_1": ("choice", {"values": [0.0, 0.5, 0.9], "default": 0.5}),
    "d_steps": ("int", {"min_value": 1, "max_value": 5, "default": 1}),
    "penalty_weight": (
        "float",
        {"min_value": 1.0, "max_value": 20.0, "sampling": "log", "default": 10.0},
    ),
    "filters": ("choice", {"values": [16, 32, 64], "default": 64}),
    "latent_dim": ("choice", {"values": [32, 64, 128], "default": 64}),
}


def _declare(hp, name):
    kind, args = DEFAULT_SEARCH_SPACE[name]
    if kind == "choice":
        return hp.Choice(name, **args)
    if kind == "int":
        return hp.Int(name, **args)
    return hp.Float(name, **args)


class GANHyperModel(kt.HyperModel):
    """Builds a `GAN` from hyperparameters; its `fit` reports KID to the tuner.

    The search space (`DEFAULT_SEARCH_SPACE`): loss (`bce`, `lsgan`, `hinge`,
    `wgan_gp` = Wasserstein + gradient penalty), discriminator and generator
    learning rates (log scale, Adam), Adam `beta_1`, `d_steps`, the gradient
    penalty weight (only searched with `wgan_gp`), network width (`filters`)
    and `latent_dim`. Fix any of them with `hp.Fixed` before the search
    (`keras_tuner.HyperParameters().Fixed("loss", "hinge")` passed as
    `hyperparameters=` with `tune_new_entries=True`), or pass
    `build_generator(hp)` / `build_discriminator(hp)` for networks of your
    own (they receive the same `hp`; read `hp.get("latent_dim")`).

    `fit` attaches a `GANEvaluation` callback before the tuner's own, so
    every epoch logs `val_kid` (and `val_fid` if asked), and returns the
    history, from which the tuner takes the best epoch. The default
    objective is therefore `keras_tuner.Objective("val_kid", "min")`
    (`GANHyperModel.objective`).

    Args:
        image_shape: `(height, width, channels)` of the data.
        real_data: Real images as floats in [-1, 1] that generated samples
            are compared with (a held-out part of the training data is
            best); checked here, before any trial (as in `GANEvaluation`).
        feature_extractor: Model mapping images to features, e.g.
            `DigitsFeatureExtractor()`; defaults to
            `metrics.default_feature_extractor()` (the FID Inception network
            when its weights are on this machine).
        eval_samples: Generated samples per evaluation.
        metrics: Metrics logged each epoch; `"kid"` must be among them for the
            default objective.
        build_generator: Optional callable of `hp` returning the generator.
        build_discriminator: Optional callable of `hp` returning the
            discriminator.
        seed: Seed of the GAN and the evaluation.
        name: As in `keras_tuner.HyperModel`.
        tunable: As in `keras_tuner.HyperModel`.

    Raises:
        ValueError: `real_data` (here) or the training or validation images
            given to `fit` (by `GAN.fit`, before training) that are not
            floats in [-1, 1]: 8-bit or integer images, NaN or inf, values
            outside the range. The message says what was received and how to
            rescale (`keras_gan_layers.datasets.scale_images`).

    Example:

    ```python
    hypermodel = GANHyperModel((8, 8, 1), real_data=images[:500],
                               feature_extractor=DigitsFeatureExtractor())
    tuner = keras_tuner.RandomSearch(hypermodel, objective=GANHyperModel.objective,
                                     max_trials=10, directory="search")
    tuner.search(images, epochs=5, batch_size=64, verbose=0)
    check_search(tuner)  # raises if every trial failed
    ```

    Reference:
    - [Lucic et al., 2018](https://arxiv.org/abs/1711.10337) (why GANs need
      per-loss hyperparameter searches)
    """

    objective = kt.Objective("val_kid", direction="min")

    def __init__(
        self,
        image_shape,
        real_data,
        feature_extractor=None,
        eval_samples=500,
        metrics=("kid",),
        build_generator=None,
        build_discriminator=None,
        seed=0,
        name=None,
        tunable=True,
    ):
        super().__init__(name=name, tunable=tunable)
        self.image_shape = tuple(int(d) for d in image_shape)
        from keras_gan_layers.callbacks.gan_evaluation import check_real_images

        self.real_data = check_real_images(real_data, "GANHyperModel")
        self.feature_extractor = feature_extractor
        self.eval_samples = int(eval_samples)
        self.metrics = tuple(metrics)
        self.build_generator = build_generator
        self.build_discriminator = build_discriminator
        self.seed = seed

    def build(self, hp):
        from keras_gan_layers import GAN, architectures, penalties

        loss = _declare(hp, "loss")
        d_lr = _declare(hp, "d_learning_rate")
        g_lr = _declare(hp, "g_learning_rate")
        beta_1 = _declare(hp, "beta_1")
        d_steps = _declare(hp, "d_steps")
        filters = _declare(hp, "filters")
        latent_dim = _declare(hp, "latent_dim")
        # Declared in every trial (so searches know it from the start),
        # active only with the gradient-penalty loss.
        with hp.conditional_scope("loss", ["wgan_gp"]):
            penalty_weight = _declare(hp, "penalty_weight")
        penalty_list = []
        if loss == "wgan_gp":
            penalty_list = [penalties.GradientPenalty(weight=penalty_weight)]
        if self.build_generator is not None:
            generator = self.build_generator(hp)
        else:
            generator = architectures.dcgan_generator(
                latent_dim, self.image_shape, filters=filters
            )
        if self.build_discriminator is not None:
            discriminator = self.build_discriminator(hp)
        else:
            discriminator = architectures.dcgan_discriminator(
                self.image_shape, filters=filters
            )
        gan = GAN(generator, discriminator, seed=self.seed)
        gan.compile(
            d_optimizer=keras.optimizers.Adam(d_lr, beta_1=beta_1),
            g_optimizer=keras.optimizers.Adam(g_lr, beta_1=beta_1),
            loss="wgan" if loss == "wgan_gp" else loss,
            penalties=penalty_list,
            d_steps=d_steps,
        )
        return gan

    def fit(self, hp, model, *args, callbacks=None, **kwargs):
        from keras_gan_layers.callbacks import GANEvaluation

        evaluation = GANEvaluation(
            self.real_data,
            metrics=self.metrics,
            num_samples=self.eval_samples,
            feature_extractor=self.feature_extractor,
            seed=self.seed,
        )
        # Before the tuner's callbacks, which read val_kid at epoch end.
        return model.fit(*args, callbacks=[evaluation, *(callbacks or [])], **kwargs)
