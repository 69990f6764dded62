#!/usr/bin/env python3
"""export_models.py: exports the PyTorch test models Kiln's e2e and golden tests read.

Run with the system Python (/usr/bin/python3, which has torch and torchvision):
    export_models.py --out DIR [--only NAME ... | --all]
Every model is exported once with opset 13, a dynamic batch axis named "batch" on the input and
the output, and fixed seeds so the weights are the same on every run. Files that already exist
are kept, so the CTest fixture costs nothing after the first run. Each file is written under a
temporary name and renamed, so an interrupted export never leaves a half-written model behind.
Without --only or --all only FIXTURE_MODELS are exported (what the CTest fixture needs); the
larger zoo (ZOO_MODELS: ResNet-50, GoogLeNet, DenseNet-121, ...) is exported on demand by the
tests and the benchmark that use it. No pretrained weights are downloaded: every model has random
weights, and the zoo's batch-norm layers get non-trivial statistics (see batch_norm_statistics).
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


def torchvision_model(name, **options):
    def build():
        import torchvision
        return getattr(torchvision.models, name)(weights=None, **options)
    return build


def batch_norm_statistics(factory, input_shape, seed=2):
    """`factory` whose batch-norm layers carry non-trivial inference parameters instead of the
    constructor's mean 0 / variance 1 / scale 1 / shift 0: scale and shift are drawn around 1 and
    0, then the running mean and variance are set to those of each layer's input on one random
    batch (batch-norm layers alone in training mode, with their scales and shifts in place), so
    every layer sees the statistics it was calibrated on and deep networks stay well conditioned.
    Computed on one thread, so every process building the model gets the same bits."""
    def build():
        model = factory().eval()
        norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return model
        generator = torch.Generator().manual_seed(seed)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        momenta = [norm.momentum for norm in norms]
        try:
            with torch.no_grad():
                for norm in norms:
                    if norm.affine:
                        count = norm.num_features
                        norm.weight.copy_(0.5 + torch.rand(count, generator=generator))
                        norm.bias.copy_(0.4 * torch.rand(count, generator=generator) - 0.2)
                    norm.reset_running_stats()
                    norm.momentum = None  # cumulative average: one batch gives its statistics
                    norm.train()
                model(torch.randn(2, *input_shape, generator=generator))
        finally:
            for norm, momentum in zip(norms, momenta):
                norm.momentum = momentum
            torch.set_num_threads(threads)
        return model.eval()
    return build


IMAGE = (3, 224, 224)

# name -> (module factory, input shape without the batch dim). The models the CTest fixture
# exports (the e2e and golden tests read them):
FIXTURE_MODELS = {
    "alexnet": (SeedAlexNet, IMAGE),
    "mnist_cnn": (MnistCnn, (1, 28, 28)),
    "resnet18": (torchvision_model("resnet18"), IMAGE),
    "shufflenet_v2": (torchvision_model("shufflenet_v2_x1_0"), IMAGE),
    "mobilenet_v2": (torchvision_model("mobilenet_v2"), IMAGE),
    "squeezenet1_0": (torchvision_model("squeezenet1_0"), IMAGE),
}

# The larger torchvision zoo, exported on demand (tests/e2e/test_compile_zoo.py, the benchmark).
# shufflenet_v2_bn is the fixture's ShuffleNetV2 with batch-norm statistics: with the
# constructor's statistics its output is almost only the classifier's bias (two inputs differ by
# 1e-6 of it), which would make a numeric comparison vacuous.
ZOO_MODELS = {
    name: (batch_norm_statistics(factory, IMAGE), IMAGE) for name, factory in [
        ("resnet50", torchvision_model("resnet50")),
        ("googlenet", torchvision_model("googlenet", aux_logits=False, init_weights=True)),
        ("densenet121", torchvision_model("densenet121")),
        ("efficientnet_b0", torchvision_model("efficientnet_b0")),
        ("mnasnet", torchvision_model("mnasnet1_0")),
        ("vgg11", torchvision_model("vgg11")),
        ("shufflenet_v2_bn", torchvision_model("shufflenet_v2_x1_0")),
    ]
}

MODELS = {**FIXTURE_MODELS, **ZOO_MODELS}


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
    parser.add_argument("--all", action="store_true",
                        help="export every model, the zoo too (default: the fixture's models)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    for name in args.only or (MODELS if args.all else FIXTURE_MODELS):
        path = os.path.join(args.out, name + ".onnx")
        if os.path.exists(path):
            continue
        print(f"exporting {path}", flush=True)
        export_model(name, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
