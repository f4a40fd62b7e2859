# expect: fail=no_graph
import torch


def predict(model, x):
    was_training = model.training
    model.eval()
    probs = torch.softmax(model(x), dim=1)  # eval() alone does not stop autograd
    model.train(was_training)
    return probs
