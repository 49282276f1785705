"""Losses on log-density maps: fixation likelihood and distillation from a teacher."""

from __future__ import annotations

import torch
from torch.nn import functional

__all__ = ["blurred_fixation_maps", "distillation_kl", "fixation_log_likelihood", "pool_density"]


def fixation_log_likelihood(
    log_density: torch.Tensor, fixations: list[torch.Tensor], image_size: tuple[int, int]
) -> torch.Tensor:
    """Mean log-probability per fixation, in nats per input pixel, for a batch.

    Parameters
    ----------
    log_density : torch.Tensor
        ``(b, h', w')`` normalised log-densities over the output cells.
    fixations : list of torch.Tensor
        Per image, ``(n, 2)`` ``x, y`` in input pixels.
    image_size : tuple of int
        ``(height, width)`` of the input, to map fixations to cells.

    Returns
    -------
    torch.Tensor
        Scalar: the mean over all fixations of ``log p(cell) - log(cell area)``, so that
        values compare across output resolutions.
    """
    height, width = image_size
    rows, cols = log_density.shape[-2:]
    cell_area = (height / rows) * (width / cols)
    total, count = log_density.new_zeros(()), 0
    for maps, points in zip(log_density, fixations, strict=True):
        if len(points) == 0:
            continue
        col = (points[:, 0] * cols / width).long().clamp(0, cols - 1)
        row = (points[:, 1] * rows / height).long().clamp(0, rows - 1)
        total = total + maps[row, col].sum()
        count += len(points)
    return total / max(count, 1) - torch.log(torch.tensor(cell_area))


def pool_density(density: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resample ``(b, h, w)`` densities to ``size`` keeping each map's total at 1."""
    pooled = functional.adaptive_avg_pool2d(density[:, None], size)[:, 0]
    return pooled / pooled.sum(dim=(-2, -1), keepdim=True).clamp_min(1e-12)


def distillation_kl(log_density: torch.Tensor, teacher_density: torch.Tensor) -> torch.Tensor:
    """Mean KL divergence ``KL(teacher || student)`` per image, in nats."""
    teacher = pool_density(teacher_density, tuple(log_density.shape[-2:]))
    log_teacher = torch.log(teacher.clamp_min(1e-12))
    return (teacher * (log_teacher - log_density)).sum(dim=(-2, -1)).mean()


def blurred_fixation_maps(
    fixations: list[torch.Tensor],
    image_size: tuple[int, int],
    out_size: tuple[int, int],
    sigma_share: float = 0.03,
) -> torch.Tensor:
    """Targets for a Euclidean loss: fixations blurred by a Gaussian, peak scaled to 1.

    The Gaussian's sigma is ``sigma_share`` of the image's longer side, as the saliency
    benchmarks blur fixations for their map-based metrics. Returns ``(b, *out_size)``.
    """
    height, width = image_size
    rows, cols = out_size
    sigma = sigma_share * max(height, width)
    ys = (torch.arange(rows, dtype=torch.float32) + 0.5) * height / rows
    xs = (torch.arange(cols, dtype=torch.float32) + 0.5) * width / cols
    maps = []
    for points in fixations:
        column_weights = torch.exp(-0.5 * ((xs[None, :] - points[:, :1]) / sigma) ** 2)
        row_weights = torch.exp(-0.5 * ((ys[None, :] - points[:, 1:2]) / sigma) ** 2)
        target = row_weights.T @ column_weights  # sum over fixations of separable Gaussians
        maps.append(target / target.max().clamp_min(1e-12))
    return torch.stack(maps)
