import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    """One training step; returns this step's loss as a Python float."""
    output = model(batch_x)
    loss = criterion(output, batch_y)
    # TODO: the rest of the training step
    return loss
