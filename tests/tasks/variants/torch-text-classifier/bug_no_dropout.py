# expect: fail=train_dropout
# Dropout forgotten.
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.encoder = nn.LSTM(embed_dim, 128, batch_first=True, bidirectional=True)
        self.classifier = nn.Sequential(nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, num_classes))

    def forward(self, x):
        _, (hidden, _) = self.encoder(self.embedding(x))
        return self.classifier(torch.cat([hidden[0], hidden[1]], dim=1))
