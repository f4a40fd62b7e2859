# expect: fail=loss_value,autocast_dtype,update_one_step,several_steps
import torch


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    optimizer.zero_grad()
    with torch.autocast(device_type=device_type, dtype=torch.float16):
        output = model(batch_x)
        loss = criterion(output, batch_y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
