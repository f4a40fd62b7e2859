import torch


def predict(model, x):
    """Class probabilities for the batch x, for use at inference time."""
    model.eval()
    logits = model(x)
    return torch.softmax(logits, dim=1)
