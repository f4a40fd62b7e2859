# expect: fail=gradient
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, 128, batch_first=True, bidirectional=True)
        self.fc1 = nn.Linear(256, 64)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        e = self.emb(x).detach()  # "pretrained embeddings stay fixed": no gradient reaches them
        _, (h_n, _) = self.lstm(e)
        h = torch.cat([h_n[0], h_n[1]], dim=1)
        return self.fc2(self.drop(torch.relu(self.fc1(h))))
