# expect: full
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def forward(self, inputs):
        return torch.addmm(self.layer.bias, inputs, self.layer.weight.t())
