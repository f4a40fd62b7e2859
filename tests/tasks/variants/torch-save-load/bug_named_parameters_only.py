# expect: fail=saved_model_state
import torch


def save_checkpoint(model, optimizer, epoch, path):
    torch.save(
        {
            # parameters only: BatchNorm's running statistics (buffers) are not saved
            "model_state_dict": {name: p.detach() for name, p in model.named_parameters()},
            "optimizer_state_dict": optimizer.state_dict(),
            "epoch": epoch,
        },
        path,
    )


def load_checkpoint(model, optimizer, path, device):
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]
