"""Sample-quality metrics: pure functions, streaming Keras metrics, extractors."""

from keras_gan_layers.metrics.extractors import (
    DigitsFeatureExtractor,
    InceptionFeatureExtractor,
    default_feature_extractor,
)
from keras_gan_layers.metrics.fid_inception import (
    fid_inception_v3,
    fid_inception_weights_path,
    load_fid_inception_weights,
)
from keras_gan_layers.metrics.frechet import (
    FeatureStatistics,
    frechet_distance,
    frechet_distance_from_features,
)
from keras_gan_layers.metrics.inception_score import inception_score
from keras_gan_layers.metrics.kernel import kernel_distance
from keras_gan_layers.metrics.prdc import precision_recall_density_coverage
from keras_gan_layers.metrics.statistics_files import load_statistics, save_statistics
from keras_gan_layers.metrics.streaming import (
    FrechetDistance,
    InceptionScore,
    KernelDistance,
)
