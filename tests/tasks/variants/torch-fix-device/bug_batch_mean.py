# expect: fail=accuracy
# mean of per-batch accuracies: a smaller last batch gets as much weight as a full one
import torch


def evaluate(model, loader, device):
    model.to(device)
    model.eval()
    accs = []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            preds = model(x).argmax(1)
            accs.append((preds == y).float().mean().item())
    return sum(accs) / len(accs)
