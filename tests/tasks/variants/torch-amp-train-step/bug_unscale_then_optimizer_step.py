# expect: fail=overflow_skipped
import torch


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    optimizer.zero_grad()
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.autocast(device_type=device_type, dtype=dtype):
        output = model(batch_x)
        loss = criterion(output, batch_y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    optimizer.step()  # skips the scaler's inf/NaN check
    scaler.update()
    return loss.item()
