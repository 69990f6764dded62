"""layer_models.py: single-layer models the benchmark times next to the whole networks.

The issue's per-layer target ("the 3x3 convolutions of ResNet-18 reach >= 80% of peak on one
thread") cannot be read off a whole-network time, so the benchmark also compiles and times
ResNet-18's 3x3 convolutions alone (with bias and ReLU, as after batch-norm folding and fusion).
They are exported here rather than in tests/models/export_models.py because no test needs them.
"""
import os

import torch
from torch import nn

OPSET = 13


class ConvRelu(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.conv(x))


def conv_layer(channels):
    def build():
        return ConvRelu(channels)
    return build


# name -> (module factory, input shape without the batch dim): ResNet-18's 3x3 stride-1 convs.
LAYER_MODELS = {
    "conv3x3_64x56": (conv_layer(64), (64, 56, 56)),
    "conv3x3_128x28": (conv_layer(128), (128, 28, 28)),
    "conv3x3_256x14": (conv_layer(256), (256, 14, 14)),
    "conv3x3_512x7": (conv_layer(512), (512, 7, 7)),
}


def build_model(name):
    """The layer module with fixed-seed weights, in eval mode."""
    factory, _ = LAYER_MODELS[name]
    torch.manual_seed(0)
    return factory().eval()


def export_model(name, path):
    """Writes the layer as ONNX with a dynamic batch axis, like the test models."""
    _, shape = LAYER_MODELS[name]
    temporary = path + ".partial"
    with torch.no_grad():
        torch.onnx.export(build_model(name), torch.zeros(1, *shape), temporary,
                          opset_version=OPSET, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    os.replace(temporary, path)
