# expect: fail=output_shape
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1)

    def forward(self, inputs):
        return self.dense(inputs).squeeze(-1)
