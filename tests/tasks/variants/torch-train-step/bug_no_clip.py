# expect: fail=grads_clipped
def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train()
    optimizer.zero_grad()
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    optimizer.step()
    return loss.item()
