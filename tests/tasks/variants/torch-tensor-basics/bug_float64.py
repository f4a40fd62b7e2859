# expect: fail=leaf_dtype
import numpy as np
import torch


def make_leaf(values):
    if isinstance(values, torch.Tensor):
        values = values.detach().numpy()
    # dtype=float is NumPy's float64: the result is a double tensor.
    return torch.tensor(np.array(values, dtype=float), requires_grad=True)


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_()
