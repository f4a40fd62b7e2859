# expect: full
import torch


def run_epoch(model, train_loader, val_loader, optimizer, criterion, device):
    model.train(True)
    total = torch.zeros((), dtype=torch.float64, device=device)
    count = 0
    for inputs, labels in train_loader:
        inputs = inputs.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
        for p in model.parameters():
            p.grad = None
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.detach().double() * labels.shape[0]
        count += labels.shape[0]

    model.train(False)
    preds, targets = [], []
    with torch.inference_mode():
        for inputs, labels in val_loader:
            preds.append(model(inputs.to(device)).argmax(-1))
            targets.append(labels.to(device))
    accuracy = (torch.cat(preds) == torch.cat(targets)).double().mean()
    return dict(train_loss=float(total / count), val_accuracy=accuracy.item())
