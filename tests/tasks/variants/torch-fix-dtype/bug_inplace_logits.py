# expect: fail=inputs_unchanged


def classification_loss(logits, labels):
    # "numerically stable" log-softmax, shifting the caller's logits in place
    logits.sub_(logits.max(dim=1, keepdim=True).values.detach())
    log_probs = logits - logits.exp().sum(dim=1, keepdim=True).log()
    return -log_probs.gather(1, labels.long()[:, None]).mean()
