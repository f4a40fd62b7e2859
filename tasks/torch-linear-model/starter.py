import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # TODO: define the layer

    def forward(self, inputs):
        # TODO: return the layer's output
        raise NotImplementedError
