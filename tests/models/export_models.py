#!/usr/bin/env python3
"""export_models.py: exports the PyTorch test models Kiln's e2e and golden tests read.

Run with the system Python (/usr/bin/python3, which has torch and torchvision):
    export_models.py --out DIR [--only NAME ...]
Every model is exported once with opset 13, a dynamic batch axis named "batch" on the input and
the output, and fixed seeds so the weights are the same on every run. Files that already exist
are kept, so the CTest fixture costs nothing after the first run. Each file is written under a
temporary name and renamed, so an interrupted export never leaves a half-written model behind.
"""
import argparse
import os
import sys

import torch
from torch import nn

OPSET = 13


class SeedAlexNet(nn.Module):
    """The original single-tower AlexNet (96/256/384/384/256 channels), 62,378,344 parameters."""

    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
            nn.Linear(4096, 4096), nn.ReLU(),
            nn.Linear(4096, num_classes), nn.Softmax(dim=1))

    def forward(self, x):
        return self.classifier(self.features(x))


class MnistCnn(nn.Module):
    """A small MNIST classifier: two conv/pool stages and two dense layers."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
            nn.Linear(128, 10), nn.Softmax(dim=1))

    def forward(self, x):
        return self.layers(x)


def torchvision_model(name):
    def build():
        import torchvision
        return getattr(torchvision.models, name)(weights=None)
    return build


# name -> (module factory, input shape without the batch dim)
MODELS = {
    "alexnet": (SeedAlexNet, (3, 224, 224)),
    "mnist_cnn": (MnistCnn, (1, 28, 28)),
    "resnet18": (torchvision_model("resnet18"), (3, 224, 224)),
    "shufflenet_v2": (torchvision_model("shufflenet_v2_x1_0"), (3, 224, 224)),
    "mobilenet_v2": (torchvision_model("mobilenet_v2"), (3, 224, 224)),
    "squeezenet1_0": (torchvision_model("squeezenet1_0"), (3, 224, 224)),
}


def build_model(name):
    """The module of a test model with its fixed-seed weights, in eval mode."""
    factory, _ = MODELS[name]
    torch.manual_seed(0)
    return factory().eval()


def export_model(name, path):
    model = build_model(name)
    _, input_shape = MODELS[name]
    example = torch.randn(1, *input_shape, generator=torch.Generator().manual_seed(1))
    temporary = path + ".partial"
    with torch.no_grad():
        torch.onnx.export(model, example, temporary, opset_version=OPSET,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          keep_initializers_as_inputs=False, do_constant_folding=True)
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder receiving <name>.onnx files")
    parser.add_argument("--only", action="append", choices=sorted(MODELS),
                        help="export only this model (repeatable)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    for name in args.only or MODELS:
        path = os.path.join(args.out, name + ".onnx")
        if os.path.exists(path):
            continue
        print(f"exporting {path}", flush=True)
        export_model(name, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
