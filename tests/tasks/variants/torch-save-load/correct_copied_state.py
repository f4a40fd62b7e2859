# expect: full
import copy

import torch


def save_checkpoint(model, optimizer, epoch, path):
    model_state = {name: t.detach().clone() for name, t in model.state_dict().items()}
    torch.save(
        {
            "model_state_dict": model_state,
            "optimizer_state_dict": copy.deepcopy(optimizer.state_dict()),
            "epoch": epoch,
        },
        path,
    )


def load_checkpoint(model, optimizer, path, device):
    device = torch.device(device) if isinstance(device, str) else device
    ckpt = torch.load(path, map_location={"cuda:0": str(device), "cpu": str(device)})
    optimizer.load_state_dict(ckpt["optimizer_state_dict"])
    model.load_state_dict(ckpt["model_state_dict"])
    return ckpt["epoch"]
