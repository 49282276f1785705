"""Face detection: YuNet through OpenCV's ``cv2.FaceDetectorYN``, returning typed faces.

Faces matter to a crop more than anything else people look at: a face cut by the border is
the worst crop there is. Detectors are registered by name like saliency models; the default
is YuNet-n (Apache-2.0, weights fetched once, see :mod:`smartcrop_core.weights`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import WeightsUnavailableError
from .geometry import Face
from .imaging import resize_longer_side
from .registry import Registry
from .weights import WeightsSource, fetch

__all__ = [
    "BUILTIN_DETECTORS",
    "DEFAULT_DETECTOR",
    "DETECTION_SIZE",
    "DETECTORS",
    "YUNET_WEIGHTS",
    "FaceDetector",
    "NoFaceDetector",
    "YuNetDetector",
    "get_detector",
    "register_detector",
]


YUNET_WEIGHTS = WeightsSource(
    filename="yunet_n_dynamic.onnx",
    url=(
        "https://github.com/ShiqiYu/libfacedetection.train/raw/"
        "0047ac24afb1a50a0c6105001c89d1b5b805dbf1/onnx/yunet_n_dynamic.onnx"
    ),
    sha256="104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12",
    licence="Apache-2.0",
)
DEFAULT_DETECTOR = "yunet"
#: Longer side of the copy YuNet looks at by default (see :class:`YuNetDetector`): the
#: whole analysis copy. Smaller is faster but misses small faces: on 150 EyeCrowd train
#: images, of 3,111 labelled faces YuNet found 2,197 at 512 px (11.0 ms), 2,066 at 448 px
#: (8.8 ms) and 1,902 at 384 px (6.1 ms), and crops cut more of them.
DETECTION_SIZE: int | None = None
#: YuNet needs a few stride-32 cells per side.
MIN_DETECTION_SIZE = 64


@runtime_checkable
class FaceDetector(Protocol):
    """What the pipeline needs of a face detector."""

    def detect(self, rgb: np.ndarray) -> tuple[Face, ...]:
        """Faces in an ``(h, w, 3)`` uint8 RGB image, in its pixels, best first."""
        ...


class YuNetDetector:
    """YuNet face detector (Wu, Peng & Yu, 2023) run by OpenCV.

    Parameters
    ----------
    weights : str or os.PathLike, optional
        A local YuNet ``.onnx`` file; by default the dynamic-size YuNet-n is fetched.
    score_threshold : float
        Faces scored below this are dropped.
    nms_threshold : float
        Overlap above which the weaker of two boxes is dropped.
    detection_size : int, optional
        Longer side, in pixels, of the copy the detector looks at (boxes come back in the
        given image's pixels). Smaller is faster and misses more of the smallest faces;
        ``None`` looks at the image as given.
    """

    def __init__(
        self,
        weights: str | os.PathLike | None = None,
        *,
        score_threshold: float = 0.6,
        nms_threshold: float = 0.3,
        detection_size: int | None = DETECTION_SIZE,
    ) -> None:
        import cv2

        if detection_size is not None and detection_size < MIN_DETECTION_SIZE:
            raise ValueError(
                f"detection_size must be at least {MIN_DETECTION_SIZE} px or None, "
                f"got {detection_size}"
            )
        self.detection_size = detection_size

        path = fetch(YUNET_WEIGHTS, weights)
        try:
            self._detector = cv2.FaceDetectorYN.create(
                str(path), "", (320, 320), score_threshold, nms_threshold, 5000
            )
        except cv2.error as exc:
            raise WeightsUnavailableError(
                f"OpenCV cannot load YuNet weights {path}: {exc}"
            ) from None

    def detect(self, rgb: np.ndarray) -> tuple[Face, ...]:
        """Faces in ``rgb``, best first (see :class:`FaceDetector`)."""
        height, width = rgb.shape[:2]
        looked_at = rgb
        if self.detection_size is not None and max(width, height) > self.detection_size:
            looked_at = resize_longer_side(rgb, self.detection_size)
        bgr = np.ascontiguousarray(looked_at[:, :, ::-1])
        self._detector.setInputSize((bgr.shape[1], bgr.shape[0]))
        _, rows = self._detector.detect(bgr)
        if rows is None:
            return ()
        scale = (width / bgr.shape[1], height / bgr.shape[0])
        faces = [_face_from_row(row, width, height, scale) for row in rows]
        return tuple(sorted(faces, key=lambda face: -face.score))


class NoFaceDetector:
    """A detector that finds nothing: used when faces are turned off or unavailable."""

    def detect(self, rgb: np.ndarray) -> tuple[Face, ...]:
        """No faces."""
        return ()


def _face_from_row(
    row: np.ndarray, width: int, height: int, scale: tuple[float, float] = (1.0, 1.0)
) -> Face:
    # YuNet rows: x, y, w, h, five (x, y) landmarks, score; scaled to the image's pixels.
    sx, sy = scale
    x, y, box_width, box_height = (float(v) for v in row[:4])
    x, y, box_width, box_height = x * sx, y * sy, box_width * sx, box_height * sy
    left, upper = max(0.0, x), max(0.0, y)
    right, lower = min(float(width), x + box_width), min(float(height), y + box_height)
    landmarks = tuple((float(row[4 + 2 * i]) * sx, float(row[5 + 2 * i]) * sy) for i in range(5))
    return Face(box=(left, upper, right, lower), landmarks=landmarks, score=float(row[14]))


#: Every registered face detector, by name.
DETECTORS: Registry[FaceDetector] = Registry("face detector", "detect")


def register_detector(
    name: str, factory: Callable[[], FaceDetector], *, replace: bool = False
) -> None:
    """Make a face detector available as ``face_detector=name``; built on first use."""
    DETECTORS.register(name, factory, replace=replace)


def get_detector(detector: str | FaceDetector | None = None) -> FaceDetector:
    """A ready detector: the one registered as ``detector``, the default, or the object.

    When the weights cannot be had, logs a warning once and returns a detector that finds
    nothing: the crop still works, without face protection.
    """
    return DETECTORS.resolve(
        detector,
        default=DEFAULT_DETECTOR,
        fallback=NoFaceDetector,
        consequence="faces are ignored",
    )


#: The detectors this package brings, by name; registered at import.
BUILTIN_DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "yunet": YuNetDetector,
    "none": NoFaceDetector,
}
for _name, _factory in BUILTIN_DETECTORS.items():
    register_detector(_name, _factory)
