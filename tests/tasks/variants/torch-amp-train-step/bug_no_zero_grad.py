# expect: fail=update_one_step,several_steps
import torch


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.autocast(device_type=device_type, dtype=dtype):
        output = model(batch_x)
        loss = criterion(output, batch_y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
