import os
import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    # Only inherited by processes started from here on (e.g. spawned DataLoader workers);
    # the running interpreter's hash seed is fixed at start-up.
    os.environ["PYTHONHASHSEED"] = str(seed)
    # cuBLAS needs this for deterministic GEMMs on CUDA >= 10.2 (harmless on CPU).
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU generator and every CUDA device's
    torch.cuda.manual_seed_all(seed)  # explicit; a no-op without CUDA
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True)  # strict: raise on ops with no deterministic kernel
