import torch


def predict(model, x):
    # Remember every submodule's mode: a model may arrive with some layers (a frozen batch norm)
    # in eval mode while the rest trains, and model.train(was_training) would overwrite them.
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            logits = model(x)
        return torch.softmax(logits, dim=1)
    finally:
        for m, training in modes:
            m.training = training
