# expect: full
import torch


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    model.train()
    loss_sum, n_train = 0.0, 0
    for x, y in train_loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(y)
        n_train += len(y)

    model.eval()
    correct, n_val = 0, 0
    with torch.no_grad():
        for x, y in val_loader:
            x, y = x.to(device), y.to(device)
            correct += int((model(x).argmax(dim=1) == y).sum())
            n_val += len(y)
    return {"train_loss": loss_sum / n_train, "val_accuracy": correct / n_val}
