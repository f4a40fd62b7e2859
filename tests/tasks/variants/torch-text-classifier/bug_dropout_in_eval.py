# expect: fail=eval_logits,eval_deterministic
# F.dropout without training=self.training: dropout stays on after model.eval().
import torch
import torch.nn as nn
import torch.nn.functional as F


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.encoder = nn.LSTM(embed_dim, 128, batch_first=True, bidirectional=True)
        self.fc1 = nn.Linear(256, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        _, (hidden, _) = self.encoder(self.embedding(x))
        h = F.relu(self.fc1(torch.cat([hidden[0], hidden[1]], dim=1)))
        return self.fc2(F.dropout(h, 0.3))
