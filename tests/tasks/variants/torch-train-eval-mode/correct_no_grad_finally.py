# expect: full
import torch
import torch.nn.functional as F


def predict(model, x):
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(x), dim=-1)
    finally:
        for m, was_training in modes:
            m.training = was_training
    return probs
