# expect: fail=eval_mode
# never calls model.eval(): dropout stays active and changes the predictions
import torch


def evaluate(model, loader, device):
    model.to(device)
    correct = 0
    total = 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            preds = model(x).argmax(1)
            correct += (preds == y).sum().item()
            total += y.numel()
    return correct / total
