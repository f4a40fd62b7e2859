# expect: fail=grads_clipped,step_order
import torch


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    optimizer.zero_grad()  # the contract says .grad keeps this step's clipped gradients
    return loss.item()
