# expect: fail=inputs_moved,labels_moved
# Tensor.to returns a new tensor (unlike Module.to): the results are thrown away
import torch


def evaluate(model, loader, device):
    model.to(device)
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for x, y in loader:
            x.to(device)
            y.to(device)
            preds = model(x).argmax(1)
            correct += (preds == y).sum().item()
            total += y.numel()
    return correct / total
