# expect: full
import torch


def _train(model, loader, optimizer, criterion, device):
    model.train()
    losses, sizes = [], []
    for batch_x, batch_y in loader:
        batch_x, batch_y = batch_x.to(device), batch_y.to(device)
        optimizer.zero_grad(set_to_none=False)
        output = model(batch_x)
        loss = criterion(output, batch_y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(batch_x.shape[0])
    return sum(l * s for l, s in zip(losses, sizes)) / sum(sizes)


@torch.no_grad()
def _validate(model, loader, device):
    model.eval()
    hits = total = 0
    for batch_x, batch_y in loader:
        logits = model(batch_x.to(device))
        hits += logits.argmax(1).eq(batch_y.to(device)).sum().item()
        total += batch_y.numel()
    return hits / total


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    train_loss = _train(model, train_loader, optimizer, criterion, device)
    val_accuracy = _validate(model, val_loader, device)
    return {"train_loss": float(train_loss), "val_accuracy": float(val_accuracy)}
