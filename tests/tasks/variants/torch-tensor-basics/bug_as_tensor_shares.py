# expect: fail=leaf_no_alias
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, np.ndarray):
        values = np.asarray(values, dtype=np.float32)  # converts odd layouts, but no copy otherwise
    # as_tensor avoids a copy when it can: float32 arrays and tensors are shared.
    return torch.as_tensor(values, dtype=torch.float32).requires_grad_()


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_()
