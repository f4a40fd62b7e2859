# expect: fail=eval_mode
# sets the training flag by hand instead of calling model.eval()
import torch


def evaluate(model, loader, device):
    model.to(device)
    model.training = False  # the top module only: its dropout stays in training mode
    correct = 0
    total = 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            preds = model(x).argmax(1)
            correct += (preds == y).sum().item()
            total += y.numel()
    return correct / total
