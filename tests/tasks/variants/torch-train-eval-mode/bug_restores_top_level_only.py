# expect: fail=mode_restored
import torch
import torch.nn.functional as F


def predict(model, x):
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(x), dim=-1)
    finally:
        model.train(was_training)  # also switches a frozen (eval) batch norm back to training
    return probs
