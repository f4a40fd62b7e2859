# expect: fail=probabilities,eval_mode,buffers_unchanged,single_sample
import torch


def predict(model, x):
    was_training = model.training
    with torch.no_grad():
        model(x)  # "refresh" batch norm statistics on this batch first: updates running stats
        model.eval()
        probs = torch.softmax(model(x), dim=1)
    model.train(was_training)
    return probs
