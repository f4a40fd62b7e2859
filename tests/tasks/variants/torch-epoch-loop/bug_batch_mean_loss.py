# expect: fail=train_loss
import torch


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    model.train()
    total_loss, n_batches = 0.0, 0
    for batch_x, batch_y in train_loader:
        batch_x, batch_y = batch_x.to(device), batch_y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(batch_x), batch_y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
        n_batches += 1

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in val_loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.size(0)
    return {"train_loss": total_loss / n_batches, "val_accuracy": correct / total}
