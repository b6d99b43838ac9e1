"""keras-gan-layers: reusable GAN components for Keras 3.

`GAN` trains with plain `model.fit`; losses, penalties, reference networks,
callbacks and data helpers each work on their own too.
"""

from keras_gan_layers import (
    architectures,
    callbacks,
    datasets,
    layers,
    losses,
    metrics,
    penalties,
    schedules,
    utils,
)
from keras_gan_layers.callbacks import GANEvaluation, ImageSnapshot
from keras_gan_layers.models import (
    GAN,
    AdversarialModel,
    ConditionalGAN,
    CycleGAN,
    Pix2Pix,
)
from keras_gan_layers.models.nonfinite_guard import NonFiniteLossError
from keras_gan_layers.version import __version__
