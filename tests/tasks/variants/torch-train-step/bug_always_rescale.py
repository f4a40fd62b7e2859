# expect: fail=grads_clipped
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    with torch.no_grad():
        grads = [p.grad for p in model.parameters()]
        total = torch.sqrt(sum((g ** 2).sum() for g in grads))
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))  # also scales small gradients *up*
    optimizer.step()
    return loss.item()
