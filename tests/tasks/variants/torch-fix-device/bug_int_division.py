# expect: fail=returns_float,accuracy
# floor division of two ints: always 0 (or 1), and an int
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
            correct += (preds == y).sum().item()
            total += y.numel()
    return correct // total
