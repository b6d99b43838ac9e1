#!/usr/bin/env bash
# GPU readiness: the GPU-relevant tests and the throughput and FID-network
# benchmarks on JAX and PyTorch, one results file. For a machine with an
# accelerator and JAX and/or PyTorch but no TensorFlow; installs nothing from
# outside this tree.
#
#     bash benchmarks/gpu_check.sh [RESULTS_DIR]    # default: gpu_check_results
#
# Keras (and its small pure-Python needs, e.g. namex and optree) may be
# missing there: put their wheels in .whl/ (see docs/performance.md, "GPU
# check") and the script installs them from there into /tmp/site. Each part
# has its own timeout so that the whole stays under 8 minutes on one GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:-gpu_check_results}
mkdir -p "$OUT_DIR"
RESULTS="$OUT_DIR/gpu_check.txt"
exec > >(tee "$RESULTS") 2>&1
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:${PYTHONPATH:-}"
start=$(date +%s)
part() { echo; echo "== $1 ($(($(date +%s) - start)) s)"; }

part "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
python3 --version
if ! python3 -c "import keras" 2>/dev/null; then
  if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .whl/*.whl \
      && export PYTHONPATH="/tmp/site:$PYTHONPATH"
  fi
fi
python3 -c "import keras; print('keras', keras.__version__)" || { echo "keras missing: put its wheels in .whl/"; exit 1; }

for backend in jax torch; do
  if ! python3 -c "import $backend" 2>/dev/null; then
    part "$backend: not installed, skipped"
    continue
  fi
  export KERAS_BACKEND=$backend
  part "$backend: devices"
  python3 -c "import keras, keras_gan_layers; from keras.src import backend as b; print(keras.backend.backend(), b.get_device() if hasattr(b, 'get_device') else '')" || true
  [ "$backend" = jax ] && python3 -c "import jax; print(jax.devices())"
  [ "$backend" = torch ] && python3 -c "import torch; print('cuda', torch.cuda.is_available(), torch.cuda.device_count())"

  part "$backend: tests (the step, layers, losses, penalties, models)"
  timeout 150 python3 -m pytest -q -p no:cacheprovider -x \
    -m "not tensorflow_only and not cross_backend and not slow" \
    tests/backend tests/layers tests/losses tests/penalties \
    tests/models/test_gan_step.py tests/models/test_cycle_gan.py tests/models/test_pix2pix.py \
    2>&1 | tail -25 || echo "tests: timed out or failed"

  part "$backend: GAN.fit throughput (default digits job)"
  timeout 90 python3 benchmarks/backend_speed.py --backends "$backend" --steps 200 --warmup 10 \
    || echo "throughput: timed out or failed"

  part "$backend: FID Inception-v3 extraction (random weights, 299x299, batch 50)"
  timeout 90 python3 - <<'PY' || echo "FID network: timed out or failed"
import time
import numpy as np
from keras_gan_layers.metrics import fid_inception_v3
model = fid_inception_v3()
x = np.random.default_rng(0).uniform(-1, 1, (50, 299, 299, 3)).astype("float32")
model.predict_on_batch(x)  # compile
start = time.perf_counter()
for _ in range(10):
    model.predict_on_batch(x)
print(f"{500 / (time.perf_counter() - start):.0f} images/s")
PY
done
part "done; results in $RESULTS"
