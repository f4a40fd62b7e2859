import tensorflow as tf


def train_step(model, x, y, optimizer):
    """One training step on the batch (x, y); returns the batch's loss as a Python float."""
    with tf.GradientTape() as tape:
        # TODO: the loss
        loss = ...
    # TODO: gradients and the update
    return loss
