# expect: fail=inputs_unchanged
import torch
import torch.nn as nn


def classification_loss(logits, labels):
    if labels.dtype != torch.long:
        labels.data = labels.data.long()  # converts the caller's tensor in place
    return nn.CrossEntropyLoss()(logits, labels)
