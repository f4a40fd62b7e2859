# expect: full
import os

import torch


def save_checkpoint(model, optimizer, epoch, path):
    path = os.fspath(path)
    payload = {}
    payload["model_state_dict"] = model.state_dict()
    payload["optimizer_state_dict"] = optimizer.state_dict()
    payload["epoch"] = epoch
    torch.save(payload, path)


def load_checkpoint(model, optimizer, path, device):
    with open(path, "rb") as fh:
        payload = torch.load(fh, map_location=str(device), weights_only=True)
    missing, unexpected = model.load_state_dict(payload["model_state_dict"])
    optimizer.load_state_dict(payload["optimizer_state_dict"])
    epoch = payload["epoch"]
    return epoch
