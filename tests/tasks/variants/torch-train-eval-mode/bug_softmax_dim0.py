# expect: fail=probabilities
import torch


def predict(model, x):
    was_training = {m: m.training for m in model.modules()}
    model.eval()
    with torch.no_grad():
        probs = torch.softmax(model(x), dim=0)  # normalises over the batch
    for m, t in was_training.items():
        m.training = t
    return probs
