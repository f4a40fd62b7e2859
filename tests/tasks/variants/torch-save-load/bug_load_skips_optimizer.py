# expect: fail=load_optimizer
import torch


def save_checkpoint(model, optimizer, epoch, path):
    torch.save(
        {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(), "epoch": epoch},
        path,
    )


def load_checkpoint(model, optimizer, path, device):
    checkpoint = torch.load(path, map_location=device)
    model.load_state_dict(checkpoint["model_state_dict"])
    # the optimizer starts from scratch: Adam moments / momentum buffers are lost
    return checkpoint["epoch"]
