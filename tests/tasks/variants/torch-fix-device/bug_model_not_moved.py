# expect: fail=model_moved,inputs_moved,labels_moved,eval_mode,no_grad,returns_float,accuracy
# batches moved, model left on the host: every forward call mixes devices
import torch


def evaluate(model, loader, device):
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            preds = model(x).argmax(1)
            correct += (preds == y).sum().item()
            total += y.numel()
    return correct / total
