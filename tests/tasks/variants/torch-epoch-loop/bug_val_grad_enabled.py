# expect: fail=val_no_grad


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    model.train()
    total_loss, seen = 0.0, 0
    for batch_x, batch_y in train_loader:
        batch_x, batch_y = batch_x.to(device), batch_y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(batch_x), batch_y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * batch_x.size(0)
        seen += batch_x.size(0)

    model.eval()  # eval() alone does not stop gradient tracking
    correct = total = 0
    for x, y in val_loader:
        x, y = x.to(device), y.to(device)
        correct += (model(x).argmax(1) == y).sum().item()
        total += y.size(0)
    return {"train_loss": total_loss / seen, "val_accuracy": correct / total}
