# expect: fail=leaf_any_input
import torch


def make_leaf(values):
    if isinstance(values, torch.Tensor):
        return values.detach().to(torch.float32, copy=True).requires_grad_(True)
    # torch.tensor raises on NumPy arrays with negative strides or big-endian byte order
    return torch.tensor(values, dtype=torch.float32, requires_grad=True)


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        data = torch.randn(shape, generator=g) * scale
    return data.requires_grad_(True)
