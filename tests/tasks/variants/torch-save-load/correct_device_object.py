# expect: full
from pathlib import Path

import torch


def save_checkpoint(model, optimizer, epoch, path):
    path = Path(path)
    checkpoint = {
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "epoch": epoch,
        "torch_version": str(torch.__version__),
    }
    torch.save(checkpoint, path)


def load_checkpoint(model, optimizer, path, device):
    device = torch.device(device)
    checkpoint = torch.load(Path(path), map_location=device, weights_only=True)
    result = model.load_state_dict(checkpoint["model_state_dict"], strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return int(checkpoint["epoch"])
