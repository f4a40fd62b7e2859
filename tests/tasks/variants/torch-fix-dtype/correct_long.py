# expect: full
import torch.nn as nn


def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.long())
