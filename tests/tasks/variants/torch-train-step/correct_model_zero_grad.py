# expect: full
import torch.nn as nn


def train_step(model: nn.Module, batch_x, batch_y, optimizer, criterion, max_norm: float = 1.0) -> float:
    model.zero_grad(set_to_none=True)
    if not model.training:
        model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    predictions = model(batch_x)
    loss = criterion(predictions, batch_y)
    loss.backward()
    nn.utils.clip_grad_norm_(params, max_norm, foreach=False)
    optimizer.step()
    value = loss.detach().cpu().item()
    return value
