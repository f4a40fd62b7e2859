# expect: full
# inference_mode, non_blocking moves, .eq(), tensor accumulation converted with float() at the end
import torch


def evaluate(model, loader, device):
    model = model.to(device)
    model.eval()
    correct, total = 0, 0
    with torch.inference_mode():
        for inputs, labels in loader:
            inputs = inputs.to(device, non_blocking=True)
            labels = labels.to(device, non_blocking=True)
            predictions = model(inputs).argmax(dim=1)
            correct += predictions.eq(labels).sum()
            total += labels.size(0)
    return float(correct) / total
