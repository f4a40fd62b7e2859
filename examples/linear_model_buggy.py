# A candidate's answer to torch-linear-model: it builds the right layer but squashes the output.
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1)

    def forward(self, inputs):
        return torch.relu(self.dense(inputs))
