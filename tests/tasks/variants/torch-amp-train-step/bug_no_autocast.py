# expect: fail=loss_value,autocast_dtype,update_one_step,several_steps
def amp_train_step(model, batch_x, batch_y, optimizer, criterion, scaler, device_type):
    optimizer.zero_grad()
    output = model(batch_x)
    loss = criterion(output, batch_y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
