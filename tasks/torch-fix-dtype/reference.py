import torch
import torch.nn.functional as F


def classification_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    # Class indices must be int64 for cross_entropy; .long() returns a new tensor, so the
    # caller's labels keep their dtype.
    return F.cross_entropy(logits, labels.long())
