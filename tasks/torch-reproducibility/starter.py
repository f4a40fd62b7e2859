import torch


def seed_everything(seed: int) -> None:
    """Make every source of randomness in a training run reproducible (see statement.md)."""
    torch.manual_seed(seed)
