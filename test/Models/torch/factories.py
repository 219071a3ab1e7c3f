"""Model factories for fp4-import-torch --module (test/Models/torch/README.md).

Each FACTORY() returns (nn.Module, tuple of example inputs). The tool calls
torch.manual_seed(SEED) first, so the weights (PyTorch's default init) and
the N(0,1) inputs drawn here are seeded.
"""

import torch
from torch import nn


class Linear(nn.Module):
    def __init__(self, d_in, d_out, bias):
        super().__init__()
        self.proj = nn.Linear(d_in, d_out, bias=bias)

    def forward(self, x):
        return self.proj(x)


class MLP(nn.Module):
    """Llama's MLP: down(silu(gate(x)) * up(x)), no biases."""

    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


# x [2, 64, 256] f32 -> [2, 64, 128]: M = 128, K = 256, N = 128.
def linear_bias():
    return Linear(256, 128, bias=True), (torch.randn(2, 64, 256),)


def linear_nobias():
    return Linear(256, 128, bias=False), (torch.randn(2, 64, 256),)


# x [1, 128, 128] bf16, hidden 128, intermediate 256: gate and up M = 128,
# K = 128, N = 256; down M = 128, K = 256, N = 128.
def mlp():
    model = MLP(128, 256).to(torch.bfloat16)
    return model, (torch.randn(1, 128, 128, dtype=torch.bfloat16),)


# The lit test's tiny model (front-door.test): two outputs, one a bool mask.
class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(64, 32)

    def forward(self, x):
        y = self.proj(x)
        return y, y > 0


def tiny():
    return Tiny(), (torch.randn(4, 64),)
