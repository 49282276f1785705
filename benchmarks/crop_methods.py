"""Our crop pipeline with other saliency stages, as ``crop_bench.py`` methods.

``crop_bench.py`` takes ``MODULE:FUNCTION`` methods and finds modules in the working
directory, so from the project's root::

    python ../shared/eval/crop_bench.py ... \\
        --method benchmarks.crop_methods:fastgaze_stage \\
        --method smartcrop_plugins.imageops:smartcrop_box

compares the default pipeline with the same pipeline on FastGaze saliency, in one run.
"""

from __future__ import annotations

from PIL import Image

from smartcrop_plugins.imageops import smartcrop_box


def fastgaze_stage(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline with Twitter's FastGaze (+ centre prior) as the saliency stage."""
    return smartcrop_box(image, aspect, zoom=zoom, model="fastgaze")


def deepgaze_stage(image: Image.Image, aspect: float, *, zoom: float) -> tuple[int, ...]:
    """The default pipeline with our DeepGaze-MobileNetV2 readout as the saliency stage."""
    return smartcrop_box(image, aspect, zoom=zoom, model="deepgaze-mobilenet-v2")
