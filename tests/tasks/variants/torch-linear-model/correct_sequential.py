# expect: full
import torch.nn as nn


class MyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 1))

    def forward(self, inputs):
        return self.net(inputs)
