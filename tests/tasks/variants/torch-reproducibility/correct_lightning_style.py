# expect: full
import os
import random

import numpy as np
import torch

MAX_SEED = np.iinfo(np.uint32).max


def seed_everything(seed: int) -> None:
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed {seed} out of range")
    os.environ["PL_GLOBAL_SEED"] = str(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    for fn in (random.seed, np.random.seed, torch.manual_seed, torch.cuda.manual_seed_all):
        fn(seed)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True)
