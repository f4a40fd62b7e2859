# expect: full
import torch


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    for p in model.parameters():
        p.grad = None
    amp_dtype = torch.float16 if device_type == "cuda" else torch.bfloat16
    with torch.amp.autocast(device_type=device_type, dtype=amp_dtype, enabled=True):
        logits = model(batch_x)
        loss = criterion(logits, batch_y)
    value = loss.detach().item()
    scaler.scale(loss).backward()
    # Unscale explicitly (the place to clip gradients); scaler.step will not unscale twice.
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    return value
