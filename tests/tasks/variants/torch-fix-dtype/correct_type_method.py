# expect: full
import torch
import torch.nn as nn

criterion = nn.CrossEntropyLoss()


def classification_loss(logits, labels):
    # The seed's advice: Tensor.type(dtype) to the dtype the op needs.
    if labels.dtype != torch.long:
        labels = labels.type(torch.long)
    return criterion(logits, labels)
