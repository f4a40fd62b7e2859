# expect: full
# @torch.no_grad() decorator, .to(device=...), torch.max, labels moved to the predictions' device
import torch


@torch.no_grad()
def evaluate(model, loader, device):
    model.to(device=device)
    model.eval()
    n_correct = 0.0
    n_seen = 0
    for batch in loader:
        inputs, labels = batch
        logits = model(inputs.to(device=device))
        _, predicted = torch.max(logits, 1)
        n_correct += (predicted == labels.to(predicted.device)).float().sum().item()
        n_seen += len(labels)
    return n_correct / n_seen
