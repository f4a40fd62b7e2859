# expect: fail=map_location
import torch


def save_checkpoint(model, optimizer, epoch, path):
    torch.save(
        {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(), "epoch": epoch},
        path,
    )


def load_checkpoint(model, optimizer, path, device):
    checkpoint = torch.load(path)  # tensors come back on the device they were saved from
    model.load_state_dict(checkpoint["model_state_dict"])
    model.to(device)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]
