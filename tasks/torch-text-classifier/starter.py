import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, num_classes: int):
        super().__init__()
        # TODO: embedding -> bidirectional LSTM -> classifier head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # TODO: x is [batch, seq_len] token ids; return logits [batch, num_classes]
        raise NotImplementedError
