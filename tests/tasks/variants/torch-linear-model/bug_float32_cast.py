# expect: fail=output_dtype
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1)

    def forward(self, inputs):
        return self.dense.float()(inputs.float())
