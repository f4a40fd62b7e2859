# expect: fail=probabilities
import torch


def predict(model, x):
    was_training = {m: m.training for m in model.modules()}
    model.eval()
    with torch.no_grad():
        logits = model(x)
    for m, t in was_training.items():
        m.training = t
    return logits
