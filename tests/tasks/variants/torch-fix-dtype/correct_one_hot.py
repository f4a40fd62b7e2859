# expect: full
import torch.nn.functional as F


def classification_loss(logits, labels):
    # class probabilities as targets: a one-hot row per sample, in the logits' dtype
    target = F.one_hot(labels.long(), num_classes=logits.shape[1]).to(logits.dtype)
    return F.cross_entropy(logits, target)
