# expect: full
# .to(device, dtype), per-batch means weighted by batch size, set_grad_enabled(False)
import torch


def evaluate(model, loader, device):
    model.to(device)
    model.train(False)
    weighted, count = 0.0, 0
    with torch.set_grad_enabled(False):
        for x, y in loader:
            x = x.to(device, torch.float32)
            y = y.to(device, dtype=torch.int64)
            batch_acc = (model(x).argmax(-1) == y).float().mean().item()
            weighted += batch_acc * y.shape[0]
            count += y.shape[0]
    return weighted / count
