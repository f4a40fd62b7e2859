# expect: fail=labels_moved
# moves the inputs but leaves the labels on the host: `preds == y` mixes devices
import torch


def evaluate(model, loader, device):
    model.to(device)
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for x, y in loader:
            preds = model(x.to(device)).argmax(1)
            correct += (preds == y).sum().item()
            total += y.numel()
    return correct / total
