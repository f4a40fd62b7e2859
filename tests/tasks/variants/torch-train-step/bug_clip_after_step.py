# expect: fail=step_order
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    optimizer.step()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)  # too late
    return loss.item()
