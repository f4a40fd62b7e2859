# expect: full
import torch


class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 1, bias=True)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        # the layer follows the input's dtype after model.double(); no casts of its own
        return torch.nn.functional.linear(inputs, self.fc.weight, self.fc.bias)
