# expect: full
import torch


@torch.inference_mode()
def predict(model, x):
    restore = [m for m in model.modules() if m.training]
    model.eval()
    logits = model(x)
    probs = logits.softmax(1)
    for m in restore:
        m.training = True  # not m.train(): that would recurse into children left in eval mode
    return probs
