# expect: full
import contextlib

import torch


def _forward(model, criterion, batch_x, batch_y, device_type):
    with contextlib.ExitStack() as stack:
        dtype = {"cpu": torch.bfloat16}.get(device_type, torch.float16)
        stack.enter_context(torch.autocast(device_type=device_type, dtype=dtype))
        return criterion(model(batch_x), batch_y)


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    optimizer.zero_grad(set_to_none=False)
    loss = _forward(model, criterion, batch_x, batch_y, device_type)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return float(loss.item())
