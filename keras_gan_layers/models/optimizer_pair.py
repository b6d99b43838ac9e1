"""The two optimizers of a GAN, seen by Keras callbacks as `model.optimizer`."""


class OptimizerPair:
    """Holds the discriminator's and the generator's optimizers.

    Keras callbacks that adjust learning rates (`LearningRateScheduler`,
    `ReduceLROnPlateau`) look for `model.optimizer.optimizers` and then treat
    each optimizer in turn; `TensorBoard` reads `model.optimizer.iterations`,
    which here counts generator updates (one per training step).
    """

    def __init__(self, gan, d_optimizer, g_optimizer):
        self._gan = gan
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def optimizers(self):
        return [self.d_optimizer, self.g_optimizer]

    @property
    def iterations(self):
        return self.g_optimizer.iterations

    @property
    def learning_rate(self):
        return self.g_optimizer.learning_rate

    @property
    def built(self):
        return self.d_optimizer.built and self.g_optimizer.built

    @property
    def variables(self):
        return self.d_optimizer.variables + self.g_optimizer.variables

    def build(self, variables=None):
        if not self.d_optimizer.built:
            self.d_optimizer.build(self._gan.discriminator_variables)
        if not self.g_optimizer.built:
            self.g_optimizer.build(self._gan.generator_variables)
