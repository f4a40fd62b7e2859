# expect: full
# Dropout before the ReLU: the mask's scale is positive, so relu(drop(z)) == drop(relu(z)).
import torch.nn as nn
import torch.nn.functional as F


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = nn.LSTM(embed_dim, 128, num_layers=1, batch_first=True, bidirectional=True)
        self.hidden = nn.Linear(256, 64)
        self.out = nn.Linear(64, num_classes)

    def forward(self, x):
        _, (h_n, _) = self.rnn(self.embed(x))
        h = h_n.transpose(0, 1).reshape(x.shape[0], 256)  # [batch, 2, 128] -> forward then backward
        z = F.dropout(self.hidden(h), p=0.3, training=self.training)
        return self.out(F.relu(z))
