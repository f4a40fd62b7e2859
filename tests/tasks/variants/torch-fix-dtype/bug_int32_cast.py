# expect: fail=loss_int64_labels,loss_int32_labels,loss_float_labels,loss_is_scalar,loss_dtype,gradient
import torch.nn as nn


def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.int())  # int32 is not what the loss needs
