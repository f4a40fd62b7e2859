# expect: fail=no_grad
# no torch.no_grad(): every forward builds an autograd graph for nothing


def evaluate(model, loader, device):
    model.to(device)
    model.eval()
    correct = 0
    total = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        preds = model(x).argmax(1)
        correct += (preds == y).sum().item()
        total += y.numel()
    return correct / total
