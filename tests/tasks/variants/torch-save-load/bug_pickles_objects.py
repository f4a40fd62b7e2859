# expect: fail=weights_only
import torch


def save_checkpoint(model, optimizer, epoch, path):
    # pickles the whole model and optimizer objects instead of their state dicts
    torch.save({"model_state_dict": model, "optimizer_state_dict": optimizer, "epoch": epoch}, path)


def load_checkpoint(model, optimizer, path, device):
    checkpoint = torch.load(path, map_location=device)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]
