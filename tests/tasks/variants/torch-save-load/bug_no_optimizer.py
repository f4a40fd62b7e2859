# expect: fail=saved_optimizer_state,load_optimizer
import torch


def save_checkpoint(model, optimizer, epoch, path):
    torch.save({"model_state_dict": model.state_dict(), "epoch": epoch}, path)


def load_checkpoint(model, optimizer, path, device):
    checkpoint = torch.load(path, map_location=device)
    model.load_state_dict(checkpoint["model_state_dict"])
    return checkpoint["epoch"]
