# expect: full
import torch
import torch.nn.functional as F


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(in_features=2, out_features=1, bias=True)

    def forward(self, inputs):
        return F.linear(inputs, self.fc.weight, self.fc.bias)
