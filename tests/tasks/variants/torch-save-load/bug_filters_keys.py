# expect: fail=strict_load
import torch


def save_checkpoint(model, optimizer, epoch, path):
    torch.save(
        {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(), "epoch": epoch},
        path,
    )


def load_checkpoint(model, optimizer, path, device):
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    own = model.state_dict()
    state = {k: v for k, v in checkpoint["model_state_dict"].items() if k in own}  # drops unexpected keys
    own.update(state)  # keeps the initial values for missing keys
    model.load_state_dict(own)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]
