# expect: fail=no_graph
import torch


def predict(model, x):
    was_training = model.training
    model.eval()
    probs = torch.softmax(model(x), dim=1).detach()  # the graph was still built
    model.train(was_training)
    return probs
