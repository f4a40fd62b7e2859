# expect: full
# Head built before the encoder, dropout before ReLU (same result), h_n reshaped instead of cat.
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    HIDDEN = 128

    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.head_out = nn.Linear(64, num_classes)
        self.head_in = nn.Linear(2 * self.HIDDEN, 64)
        self.dropout = nn.Dropout(0.3)
        self.lstm = nn.LSTM(embed_dim, self.HIDDEN, 1, batch_first=True, bidirectional=True)
        self.tokens = nn.Embedding(num_embeddings=vocab_size, embedding_dim=embed_dim)

    def forward(self, x):
        batch = x.size(0)
        _, (h_n, _) = self.lstm(self.tokens(x))      # (2, batch, 128): [forward, backward]
        h = h_n.transpose(0, 1).reshape(batch, -1)   # (batch, 256) = cat(h_n[0], h_n[1])
        h = torch.relu(self.dropout(self.head_in(h)))
        return self.head_out(h)
