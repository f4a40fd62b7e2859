# expect: fail=zero_grad
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()  # accumulates onto stale gradients
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()
