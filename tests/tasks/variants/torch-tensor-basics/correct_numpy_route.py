# expect: full
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    array = np.array(values, dtype=np.float32)  # np.array copies by default
    return torch.from_numpy(array).requires_grad_(True)


def random_param(shape, seed, scale=1.0):
    g = torch.Generator()
    g.manual_seed(seed)
    return torch.empty(shape).normal_(mean=0.0, std=scale, generator=g).requires_grad_()
