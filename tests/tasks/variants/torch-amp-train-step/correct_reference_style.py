# expect: full
import torch

LOW_PRECISION = {"cuda": torch.float16, "cpu": torch.bfloat16}


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type, dtype=LOW_PRECISION[device_type]):
        output = model(batch_x)
        loss = criterion(output, batch_y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
