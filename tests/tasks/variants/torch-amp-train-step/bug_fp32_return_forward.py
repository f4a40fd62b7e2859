# expect: fail=loss_value,one_forward
import torch


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    optimizer.zero_grad()
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.autocast(device_type=device_type, dtype=dtype):
        loss = criterion(model(batch_x), batch_y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    # a second, full-precision forward pass "for an accurate number to log"
    with torch.no_grad():
        return criterion(model(batch_x), batch_y).item()
