# expect: fail=load_model
import torch


def save_checkpoint(model, optimizer, epoch, path):
    torch.save(
        {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(), "epoch": epoch},
        path,
    )


def load_checkpoint(model, optimizer, path, device):
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    state = checkpoint["model_state_dict"]
    if set(state) != set(model.state_dict()):
        raise RuntimeError("checkpoint does not match the model")
    with torch.no_grad():
        for name, p in model.named_parameters():  # copies the parameters, forgets the buffers
            p.copy_(state[name])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]
