# expect: full
from torch.amp import autocast


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    # autocast's default low-precision dtype is float16 on CUDA and bfloat16 on the CPU.
    model.zero_grad()
    with autocast(device_type=device_type):
        loss = criterion(model(batch_x), batch_y)
    scaled = scaler.scale(loss)
    scaled.backward()
    scaler.step(optimizer)
    scaler.update()
    return float(loss.detach())
