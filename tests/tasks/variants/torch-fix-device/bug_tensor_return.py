# expect: fail=returns_float
# accumulates tensors and returns a 0-dim tensor (on the device) instead of a Python float
import torch


def evaluate(model, loader, device):
    model.to(device)
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            preds = model(x).argmax(1)
            correct += (preds == y).sum()
            total += y.numel()
    return correct / total
