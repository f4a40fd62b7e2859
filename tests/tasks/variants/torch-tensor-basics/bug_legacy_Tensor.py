# expect: fail=leaf_number,leaf_any_input,leaf_is_leaf,leaf_no_alias
import torch


def make_leaf(values):
    # The legacy constructor: float32 by default, but torch.Tensor(7) is 7 uninitialised values,
    # and it aliases tensors and float32 arrays.
    return torch.Tensor(values).requires_grad_()


def random_param(shape, seed, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_()
