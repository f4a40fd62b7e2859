# expect: full
from torch.nn.utils import clip_grad_norm_


def train_step(model, batch_x, batch_y, optimizer, criterion, max_norm=1.0):
    model.train(True)
    optimizer.zero_grad(set_to_none=False)
    loss = criterion(model(batch_x), batch_y)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm=max_norm, norm_type=2.0, error_if_nonfinite=True)
    optimizer.step()
    return float(loss.detach())
