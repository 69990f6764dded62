#!/usr/bin/python3
"""train_digits.py: trains the example digit classifier and exports it for Kiln.

A small CNN (Conv 16 3x3 + ReLU + MaxPool, Conv 32 3x3 + ReLU + MaxPool, Dense 10) is trained on
the 8x8 digits data set that Debian's python3-sklearn ships. It writes, into --out:
  digits.onnx        the trained model (opset 13, dynamic batch)
  test_images.f32    held-out images, float32 [N,1,8,8] row-major
  test_labels.i64    their labels, int64 [N]
  pytorch_accuracy.txt  PyTorch's accuracy on them, for the C program to print beside its own
Run with /usr/bin/python3 (Debian's interpreter, which has torch and sklearn).
"""
import argparse
import os

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        return torch.softmax(self.classifier(torch.flatten(self.features(x), 1)), dim=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    labels = digits.target.astype(np.int64)
    order = rng.permutation(len(images))
    test, train = order[:360], order[360:]

    model = DigitsCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    x_train, y_train = torch.from_numpy(images[train]), torch.from_numpy(labels[train])
    for epoch in range(30):
        for batch in torch.randperm(len(train)).split(64):
            optimizer.zero_grad()
            logits = model.classifier(torch.flatten(model.features(x_train[batch]), 1))
            nn.functional.cross_entropy(logits, y_train[batch]).backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(images[test])).argmax(1).numpy()
    accuracy = float((predicted == labels[test]).mean())

    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), os.path.join(args.out, "digits.onnx"),
                      opset_version=13, input_names=["image"], output_names=["probabilities"],
                      dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}})
    images[test].tofile(os.path.join(args.out, "test_images.f32"))
    labels[test].tofile(os.path.join(args.out, "test_labels.i64"))
    with open(os.path.join(args.out, "pytorch_accuracy.txt"), "w") as f:
        f.write(f"{accuracy:.4f}\n")
    print(f"trained digits CNN: PyTorch accuracy {accuracy:.4f} on {len(test)} held-out digits")


if __name__ == "__main__":
    main()
