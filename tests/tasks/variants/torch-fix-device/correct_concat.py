# expect: full
# collect every batch's predictions and labels, concatenate, one mean at the end
import torch


def evaluate(model, loader, device):
    model.to(device).eval()
    all_preds, all_labels = [], []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            all_preds.append(torch.argmax(model(x), dim=1))
            all_labels.append(y)
    preds = torch.cat(all_preds)
    labels = torch.cat(all_labels)
    return (preds == labels).double().mean().item()
