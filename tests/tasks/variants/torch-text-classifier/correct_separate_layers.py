# expect: full
# Separate layers, nn.Dropout module, h_n[-2] / h_n[-1].
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(input_size=embed_dim, hidden_size=128, num_layers=1, batch_first=True, bidirectional=True)
        self.fc1 = nn.Linear(256, 64)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(p=0.3)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(self.emb(x))
        h = torch.cat((h_n[-2], h_n[-1]), dim=-1)
        return self.fc2(self.drop(self.relu(self.fc1(h))))
