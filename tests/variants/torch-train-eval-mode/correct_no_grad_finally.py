# expect: full
import torch
import torch.nn.functional as F


def predict(model, x):
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(x), dim=-1)
    finally:
        model.train(was_training)
    return probs
