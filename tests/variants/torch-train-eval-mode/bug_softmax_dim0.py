# expect: fail=probabilities,single_sample
import torch


def predict(model, x):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        probs = torch.softmax(model(x), dim=0)  # normalises over the batch
    model.train(was_training)
    return probs
