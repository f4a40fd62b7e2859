import torch


def save_checkpoint(model, optimizer, epoch, path):
    """Write a checkpoint from which training can resume exactly."""
    torch.save(model.state_dict(), path)


def load_checkpoint(model, optimizer, path, device):
    """Restore model and optimizer from the checkpoint at path; return the saved epoch."""
    model.load_state_dict(torch.load(path))
    model.eval()
    # TODO: restore the optimizer and return the epoch
    raise NotImplementedError
