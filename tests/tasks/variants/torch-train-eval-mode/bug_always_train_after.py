# expect: fail=mode_restored
import torch


def predict(model, x):
    model.eval()
    with torch.no_grad():
        probs = torch.softmax(model(x), dim=1)
    model.train()  # wrong when the model arrived in eval mode
    return probs
