# expect: full
import torch
import torch.nn.functional as F


def classification_loss(logits, labels):
    idx = torch.round(labels).to(torch.long) if labels.is_floating_point() else labels.long()
    return F.nll_loss(F.log_softmax(logits, dim=-1), idx)
