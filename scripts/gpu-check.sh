#!/usr/bin/env bash
# The one command for a lent GPU machine: GPU tests, then a short timing of graded runs on CUDA.
# It uses the machine's own Python/torch (the GPU machine cannot reach package registries).
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi -L
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -c "import torch, pydantic, pydantic_settings, typer, rich; print('torch', torch.__version__)"
python3 -m pytest -q -m gpu -p no:cacheprovider tests/sandbox/test_gpu.py
for task in torch-fix-device torch-amp-train-step; do
  for i in 1 2 3; do
    /usr/bin/time -f "$task reference graded on GPU: %e s" env GRADER_GPU_DEVICES=0 python3 -m grader grade --task "$task" "tasks/$task/reference.py"
  done
done
# The benchmark's GPU path (fresh process vs warm pool on CUDA) and the CPU paths that can run there.
python3 -m grader bench --skip docker,celery --n 6 --naive-n 2 --json gpu-bench.json
