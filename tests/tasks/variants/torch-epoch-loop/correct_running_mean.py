# expect: full
import torch


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    model.train()
    mean, seen = 0.0, 0
    for step, (x, y) in enumerate(train_loader):
        x, y = x.to(device), y.to(device)
        model.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        b = x.size(0)
        seen += b
        mean += (loss.item() - mean) * b / seen  # incremental weighted mean

    model.eval()
    correct = total = 0
    with torch.set_grad_enabled(False):
        for x, y in val_loader:
            _, predicted = torch.max(model(x.to(device)), 1)
            correct += (predicted.cpu() == y.cpu()).sum().item()
            total += y.size(0)
    return {"val_accuracy": 1.0 * correct / total, "train_loss": mean}
