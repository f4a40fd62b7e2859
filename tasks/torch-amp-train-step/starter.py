import torch
from torch.amp import GradScaler, autocast


def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    """One mixed-precision training step; returns this step's loss as a Python float."""
    optimizer.zero_grad()
    with autocast(device_type="cuda"):  # FP16 forward pass
        output = model(batch_x)
        loss = criterion(output, batch_y)
    scaler.scale(loss).backward()  # scale the gradients
    scaler.step(optimizer)
    scaler.update()
    return loss
