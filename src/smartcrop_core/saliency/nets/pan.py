"""Pan et al.'s "deep convnet" for saliency (CVPR 2016), a baseline trained from scratch.

Pan, Sayrol, Giró-i-Nieto, McGuinness and O'Connor, *Shallow and deep convolutional networks
for saliency prediction* (2016). Nine convolutions (7x7 96, LRN and 3x3/2 max pooling; 5x5
256 and pooling; then 3x3 512, 5x5 512, 5x5 512, 7x7 256, 11x11 128, 11x11 32, 13x13 1)
and an 8x8 deconvolution of stride 4 back to the input's resolution, as in the authors'
``deploy.prototxt``. By default every width but the last two is halved, as in the PyTorch
port the project's notes describe, to train faster.

Unlike the log-density networks of this package it is trained as the paper trains it: with
a Euclidean (mean squared error) loss between its output map and the blurred fixation map of
the image (the training loop does that). Its output is therefore a saliency *map*, not a
log-density; :func:`saliency_to_log_density` (or :class:`SaliencyAsLogDensity` around the
network) turns it into one for evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional

__all__ = [
    "PAN_DEEP_CHANNELS",
    "PAN_DEEP_HALF_CHANNELS",
    "PanDeepNet",
    "SaliencyAsLogDensity",
    "saliency_to_log_density",
]

# Output widths of conv1..conv8 (conv9 gives one channel): the paper's, and the halved port's.
PAN_DEEP_CHANNELS = (96, 256, 512, 512, 512, 256, 128, 32)
PAN_DEEP_HALF_CHANNELS = (48, 128, 256, 256, 256, 128, 64, 32)
_KERNELS = (7, 5, 3, 5, 5, 7, 11, 11, 13)


def _bilinear_upsampling_kernel(size: int) -> torch.Tensor:
    """The ``size x size`` deconvolution kernel that upsamples bilinearly (FCN's initialisation)."""
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    offsets = torch.arange(size, dtype=torch.float32)
    profile = 1 - (offsets - centre).abs() / factor
    return profile[:, None] * profile[None, :]


class PanDeepNet(nn.Module):
    """Pan et al.'s deep convnet: RGB ``(b, 3, h, w)`` in [0, 1] to a map ``(b, h, w)``.

    The output has the input's size (:attr:`stride` 1). It is a saliency map to be trained
    with a Euclidean loss (``torch.nn.functional.mse_loss``) against the image's fixation
    map blurred with a Gaussian (scaled as the training loop chooses, e.g. to a maximum of
    1); it is not a log-density. For evaluation take :func:`saliency_to_log_density` of it,
    the log of the output clamped to a small positive floor, or wrap the trained network in
    :class:`SaliencyAsLogDensity` so that :class:`~.common.NetworkSaliency` can use it.

    Parameters
    ----------
    channels : sequence of int
        Output widths of the first eight convolutions: :data:`PAN_DEEP_HALF_CHANNELS`
        (default, 6.6 M parameters) or the paper's :data:`PAN_DEEP_CHANNELS` (25.8 M).

    Notes
    -----
    Both max poolings are padded by one (the paper's are not) so that a side of ``n`` pixels
    gives ``ceil(n / 4)`` cells at stride 4 for any ``n``; the deconvolution returns four
    times that, which is cut to the input's size. The paper initialised the first three
    convolutions from VGG_CNN_M; here every layer is trained from scratch: Kaiming-normal
    convolutions and a bilinear-upsampling deconvolution.
    """

    stride = 1

    def __init__(self, channels: Sequence[int] = PAN_DEEP_HALF_CHANNELS) -> None:
        super().__init__()
        if len(channels) != 8:
            raise ValueError(f"give the widths of conv1 to conv8 (8 numbers), not {channels}")
        widths = (3, *channels, 1)
        self.convs = nn.ModuleList(
            nn.Conv2d(widths[index], widths[index + 1], kernel, padding=kernel // 2)
            for index, kernel in enumerate(_KERNELS)
        )
        # Caffe's LRN settings in the authors' deploy.prototxt (torch divides alpha by the
        # size as Caffe does).
        self.norm = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.deconv = nn.ConvTranspose2d(1, 1, 8, stride=4, padding=2, bias=False)
        self._initialise()

    def _initialise(self) -> None:
        for conv in self.convs:
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)
        with torch.no_grad():
            self.deconv.weight.copy_(_bilinear_upsampling_kernel(8).view(1, 1, 8, 8))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Saliency maps ``(b, h, w)`` of RGB ``images`` in ``[0, 1]`` (the raw output)."""
        height, width = images.shape[-2:]
        # Centred input: the from-scratch convolutions learn faster on zero-mean data.
        tensor = images - 0.5
        tensor = self.pool(self.norm(functional.relu(self.convs[0](tensor))))
        tensor = self.pool(functional.relu(self.convs[1](tensor)))
        for conv in self.convs[2:-1]:
            tensor = functional.relu(conv(tensor))
        tensor = self.convs[-1](tensor)
        return self.deconv(tensor)[:, 0, :height, :width]


def saliency_to_log_density(maps: torch.Tensor, floor: float = 1e-3) -> torch.Tensor:
    """Log of saliency ``maps`` ``(b, h, w)`` clamped to ``floor`` times each map's maximum.

    A softmax over the pixels of the result is the map normalised to sum 1, with negative
    and near-zero values raised to the floor so that no pixel has probability zero.
    """
    peak = maps.flatten(1).amax(dim=1).clamp_min(torch.finfo(maps.dtype).tiny)
    return torch.log(torch.maximum(maps, floor * peak.view(-1, 1, 1)))


class SaliencyAsLogDensity(nn.Module):
    """A saliency-map network (such as :class:`PanDeepNet`) made to output log-densities.

    Parameters
    ----------
    network : torch.nn.Module
        Maps images to saliency maps ``(b, h', w')``; its ``stride`` is passed on.
    floor : float
        Relative floor of :func:`saliency_to_log_density`.
    """

    def __init__(self, network: nn.Module, floor: float = 1e-3) -> None:
        super().__init__()
        self.network = network
        self.floor = floor
        self.stride = getattr(network, "stride", 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return saliency_to_log_density(self.network(images), self.floor)
