# expect: fail=grads_clipped
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    for p in model.parameters():  # clips each tensor on its own: not the global norm
        torch.nn.utils.clip_grad_norm_(p, max_norm)
    optimizer.step()
    return loss.item()
