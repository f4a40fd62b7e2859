# expect: full
import os
import random

import numpy as np
import torch
from torch.backends import cudnn


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    cudnn.deterministic, cudnn.benchmark = True, False
    torch.use_deterministic_algorithms(mode=True)
    os.environ.update(PYTHONHASHSEED=f"{seed}")
