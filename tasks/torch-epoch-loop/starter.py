import torch


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    """One epoch: train on train_loader, then validate on val_loader.

    Returns {"train_loss": float, "val_accuracy": float}.
    """
    model.train()
    total_loss = 0.0
    for batch_x, batch_y in train_loader:
        batch_x, batch_y = batch_x.to(device), batch_y.to(device)
        optimizer.zero_grad()
        output = model(batch_x)
        loss = criterion(output, batch_y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()

    # Validation
    model.eval()
    with torch.no_grad():
        correct = sum(
            (model(x.to(device)).argmax(1) == y.to(device)).sum().item()
            for x, y in val_loader
        )

    # TODO: report the epoch's metrics as the statement specifies
    return {"train_loss": total_loss, "val_accuracy": correct}
