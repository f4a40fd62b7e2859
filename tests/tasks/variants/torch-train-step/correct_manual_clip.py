# expect: full
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    for p in model.parameters():
        p.grad = None
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    with torch.no_grad():
        grads = [p.grad for p in model.parameters() if p.grad is not None]
        total = torch.sqrt(sum((g.double() ** 2).sum() for g in grads))
        scale = max_norm / (float(total) + 1e-6)
        if scale < 1.0:
            for g in grads:
                g.mul_(scale)
    optimizer.step()
    return float(loss.item())
