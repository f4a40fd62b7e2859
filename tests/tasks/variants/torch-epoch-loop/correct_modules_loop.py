# expect: full
import torch


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    for m in model.modules():  # every submodule, the model itself included
        m.train(True)
    total_loss, seen = 0.0, 0
    for batch_x, batch_y in train_loader:
        batch_x, batch_y = batch_x.to(device), batch_y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(batch_x), batch_y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * batch_x.size(0)
        seen += batch_x.size(0)

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in val_loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.size(0)
    return {"train_loss": total_loss / seen, "val_accuracy": correct / total}
