# expect: fail=loss_value
import torch
import torch.nn.functional as F


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    optimizer.zero_grad()
    output = model(batch_x)
    loss = criterion(output, batch_y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    # "report the mean absolute error": not the criterion's loss
    if batch_y.dtype.is_floating_point:
        return F.l1_loss(output.detach(), batch_y).item()
    return F.cross_entropy(output.detach(), batch_y, reduction="sum").item()
