# expect: fail=gradient
import torch.nn.functional as F


def classification_loss(logits, labels):
    return F.cross_entropy(logits.detach(), labels.long())
