# expect: full
# Final states read from the output sequence: forward half at the last step, backward half at step 0.
import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.encoder = nn.LSTM(embed_dim, 128, batch_first=True, bidirectional=True)
        self.head = nn.Sequential(
            nn.Linear(256, 64),
            nn.ReLU(inplace=True),
            nn.Dropout(0.3),
            nn.Linear(64, num_classes),
        )

    def forward(self, x):
        output, _ = self.encoder(self.embedding(x))  # (batch, seq_len, 256)
        forward_last = output[:, -1, :128]
        backward_last = output[:, 0, 128:]
        return self.head(torch.cat([forward_last, backward_last], dim=1))
