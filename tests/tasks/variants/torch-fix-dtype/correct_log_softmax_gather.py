# expect: full
import torch


def classification_loss(logits, labels):
    log_probs = torch.log_softmax(logits, dim=1)
    picked = log_probs.gather(1, labels.long().unsqueeze(1)).squeeze(1)
    return -picked.mean()
