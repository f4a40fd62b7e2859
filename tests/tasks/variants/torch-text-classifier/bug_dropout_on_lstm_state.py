# expect: fail=train_dropout
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, 128, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.3)
        self.fc1 = nn.Linear(256, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        _, (h_n, _) = self.lstm(self.emb(x))
        h = self.drop(torch.cat([h_n[0], h_n[1]], dim=1))  # dropout on the 256 LSTM features
        return self.fc2(torch.relu(self.fc1(h)))
