# expect: fail=one_step
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    lr = optimizer.param_groups[0]["lr"]
    opt = torch.optim.SGD(model.parameters(), lr=lr)  # a fresh optimizer: momentum / Adam state lost
    opt.zero_grad()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    opt.step()
    return loss.item()
