# expect: fail=scale_updated,overflow_skipped
import torch


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    scaler = torch.amp.GradScaler(device_type)  # a fresh scaler every step: its state is lost
    optimizer.zero_grad()
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.autocast(device_type=device_type, dtype=dtype):
        output = model(batch_x)
        loss = criterion(output, batch_y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
