# expect: fail=loss_value
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    with torch.no_grad():
        return criterion(model(batch_x), batch_y).item()  # loss after the update
