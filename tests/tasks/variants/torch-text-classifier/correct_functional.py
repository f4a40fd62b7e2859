# expect: full
# Functional ReLU and dropout (training=self.training), torch.hstack.
import torch
import torch.nn as nn
import torch.nn.functional as F


class TextClassifier(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, num_classes: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.LSTM(embed_dim, 128, batch_first=True, bidirectional=True)
        self.hidden = nn.Linear(2 * 128, 64)
        self.out = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.rnn(self.embedding(x))
        h = torch.hstack([h[0], h[1]])
        h = F.relu(self.hidden(h))
        h = F.dropout(h, p=0.3, training=self.training)
        return self.out(h)
