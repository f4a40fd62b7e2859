# expect: full
import torch


def save_checkpoint(model, optimizer, epoch, path):
    with open(path, "wb") as fh:
        torch.save(
            dict(
                model_state_dict=model.state_dict(),
                optimizer_state_dict=optimizer.state_dict(),
                epoch=int(epoch),
                format_version=1,
            ),
            fh,
        )


def load_checkpoint(model, optimizer, path, device):
    # read every storage onto the CPU whatever device it was saved from, then move the model
    state = torch.load(path, map_location=lambda storage, location: storage, weights_only=True)
    model.load_state_dict(state["model_state_dict"], strict=True)
    model.to(device)
    optimizer.load_state_dict(state["optimizer_state_dict"])
    return int(state["epoch"])
