# expect: fail=loss_value
import torch


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    optimizer.zero_grad()
    dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.autocast(device_type=device_type, dtype=dtype):
        output = model(batch_x)
        loss = scaler.scale(criterion(output, batch_y))
    loss.backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
