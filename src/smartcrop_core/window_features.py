"""What a candidate window keeps and cuts: the measurements the ranker scores.

Every feature of every window is computed at once from integral images of the analysis's
saliency map (a density summing to 1) on a coarse grid, built once per image by
:class:`WindowMeasurer`, so that a thousand windows cost about a millisecond:

``mass``
    Share of the predicted looks inside the window.
``peak_mass``
    The same for the squared map: rewards keeping the peaks, not just diffuse mass.
``soft_mass``
    The same for the square root of the map: rewards keeping the spread-out rest. With
    ``mass`` and ``peak_mass`` it lets the ranker learn how sharp the model's map should be
    for choosing windows.
``border``
    Saliency in thin bands just inside each window edge that cuts the image, beyond what the
    band would hold at the image's average density: a cut through something looked at.
``balance``
    Distance from the window's centre to the centroid of the saliency it keeps, in window
    sizes (0 = the kept saliency is centred).
``thirds``
    Distance from that centroid to the nearest rule-of-thirds point, in window sizes.
``centre_prior``
    Mass of a centred Gaussian (a quarter of each side wide) inside the window: where people
    look in any photo, whatever it shows.
``offset_x``, ``offset_y``
    Unsigned horizontal and signed vertical distance of the window's centre from the image's
    centre, in image sizes (negative ``offset_y`` = the window sits high).
``faces_kept``, ``faces_cut``
    Shares of face importance (confidence x square root of area) inside the window and cut
    by it (between 10 % and 90 % inside, ramping to 0 at 0 % and 100 %). Faces
    grow by margins first: detectors box a face tightly, people's idea of it includes hair
    and chin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analysis import Analysis
from .geometry import share_inside
from .imaging import resize_float_map

__all__ = [
    "FEATURE_NAMES",
    "MEASURE_SIZE",
    "FeatureSettings",
    "WindowMeasurer",
    "box_sums",
    "integral_image",
    "window_features",
]

FEATURE_NAMES: tuple[str, ...] = (
    "mass",
    "peak_mass",
    "soft_mass",
    "border",
    "balance",
    "thirds",
    "centre_prior",
    "offset_x",
    "offset_y",
    "faces_kept",
    "faces_cut",
)

_CUT_RAMP = 0.1
_CENTRE_PRIOR_SIGMA = 0.25
_THIRDS = np.array([(x, y) for x in (1 / 3, 2 / 3) for y in (1 / 3, 2 / 3)])


@dataclass(frozen=True)
class FeatureSettings:
    """How the features are measured (not learned; the ranker was trained with these).

    Attributes
    ----------
    border_band : float
        Width of the edge bands of ``border``, as a share of the window's shorter side.
    face_margin_side, face_margin_top, face_margin_bottom : float
        Growth of each face box before ``faces_kept`` / ``faces_cut``, as shares of the
        face's width (sides) and height (top, bottom).
    """

    border_band: float = 0.03
    face_margin_side: float = 0.3
    face_margin_top: float = 0.45
    face_margin_bottom: float = 0.15


#: Longer side of the grid the windows are measured on. Saliency maps are smooth (networks
#: predict them at 1/8 of the image), so a coarse grid loses nothing and keeps the integral
#: images cheap; window edges fall between cells and are read bilinearly.
MEASURE_SIZE = 128


class WindowMeasurer:
    """Measures windows of one analysis; build once, call for every aspect and zoom.

    Parameters
    ----------
    analysis : Analysis
        An analysis with a saliency map (faces optional).
    settings : FeatureSettings, optional
        Band width and face margins; the defaults are what the shipped ranker learned with.
    measure_size : int
        Longer side of the measuring grid.

    Examples
    --------
    >>> import numpy as np
    >>> from smartcrop_core.analysis import Analysis
    >>> from smartcrop_core.imaging import WorkingImage
    >>> saliency = np.zeros((100, 200), np.float32)
    >>> saliency[40:60, 150:170] = 1 / 400  # all the looks on a patch on the right
    >>> analysis = Analysis(WorkingImage(np.zeros((100, 200, 3), np.uint8), (200, 100)))
    >>> measure = WindowMeasurer(analysis.evolve(saliency=saliency))
    >>> rows = measure(np.array([[0, 0, 100, 100], [100, 0, 200, 100]]))
    >>> rows[:, FEATURE_NAMES.index("mass")].round(3).tolist()
    [0.0, 1.0]
    """

    def __init__(
        self,
        analysis: Analysis,
        settings: FeatureSettings | None = None,
        *,
        measure_size: int = MEASURE_SIZE,
    ) -> None:
        if analysis.saliency is None:
            raise ValueError("the analysis has no saliency map yet; run a saliency stage first")
        self.analysis = analysis
        self.settings = settings or FeatureSettings()
        saliency = _measuring_grid(analysis.saliency, measure_size)
        height, width = saliency.shape
        original_width, original_height = analysis.image.original_size
        self._scale = (width / original_width, height / original_height)
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
        squared, root = saliency**2, np.sqrt(saliency)
        # One stack, so each window's corners are read once for every map.
        self._integrals = np.stack(
            [
                integral_image(saliency),
                integral_image(squared / max(squared.sum(), 1e-300)),
                integral_image(root / max(root.sum(), 1e-300)),
                integral_image(saliency * cols),
                integral_image(saliency * rows),
                integral_image(_centre_prior(height, width)),
            ]
        )
        self._mean_density = 1.0 / saliency.size
        # Faces do not move between calls: grow and weigh them once.
        self._faces = _protected_faces(analysis, self.settings)

    def __call__(self, boxes: np.ndarray) -> np.ndarray:
        """Features of ``(n, 4)`` boxes in original pixels: ``(n, len(FEATURE_NAMES))``."""
        return self.features_and_faces_cut(boxes)[0]

    def features_and_faces_cut(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The features of ``(n, 4)`` boxes, and how many detected faces each box cuts.

        The count weighs every face alike, where the ``faces_cut`` feature weighs them by
        importance: cutting three small faces in a crowd counts three times as much as
        cutting one. Each face counts as in ``faces_cut`` (fully from 10 % to 90 % inside,
        less towards 0 % and 100 %). Both come from one measurement of the faces.

        Returns
        -------
        features : numpy.ndarray
            ``(n, len(FEATURE_NAMES))``, as :meth:`__call__` gives them.
        faces_cut : numpy.ndarray
            ``(n,)`` number of faces cut.

        Examples
        --------
        >>> import numpy as np
        >>> from smartcrop_core.analysis import Analysis
        >>> from smartcrop_core.geometry import Face
        >>> from smartcrop_core.imaging import WorkingImage
        >>> faces = tuple(
        ...     Face(box=(x, 40, x + 10, 50), landmarks=(), score=0.9) for x in (20, 60, 100)
        ... )
        >>> analysis = Analysis(WorkingImage(np.zeros((100, 200, 3), np.uint8), (200, 100)))
        >>> saliency = np.full((100, 200), 1 / 20000, np.float32)
        >>> measure = WindowMeasurer(analysis.evolve(saliency=saliency, faces=faces))
        >>> boxes = np.array([[25, 0, 105, 100], [0, 0, 150, 100]])  # cuts two faces; none
        >>> features, faces_cut = measure.features_and_faces_cut(boxes)
        >>> faces_cut.tolist()
        [2.0, 0.0]
        >>> features[:, FEATURE_NAMES.index("faces_cut")].round(3).tolist()
        [0.667, 0.0]
        """
        boxes = np.asarray(boxes, dtype=np.float64)
        original_width, original_height = self.analysis.image.original_size
        scale_x, scale_y = self._scale
        left, right = boxes[:, 0] * scale_x, boxes[:, 2] * scale_x
        upper, lower = boxes[:, 1] * scale_y, boxes[:, 3] * scale_y
        edges = (left, upper, right, lower)

        mass, peak_mass, soft_mass, moment_x, moment_y, prior = box_sums(self._integrals, *edges)
        safe_mass = np.maximum(mass, 1e-12)
        centroid_x = moment_x / safe_mass
        centroid_y = moment_y / safe_mass
        # Where nothing is kept, the centroid is meaningless: call it centred.
        empty = mass < 1e-9
        relative_x = np.where(empty, 0.5, (centroid_x - left) / (right - left))
        relative_y = np.where(empty, 0.5, (centroid_y - upper) / (lower - upper))
        thirds = np.min(
            np.hypot(relative_x[:, None] - _THIRDS[:, 0], relative_y[:, None] - _THIRDS[:, 1]),
            axis=1,
        )
        faces_kept, faces_cut, faces_cut_count = _face_terms(self._faces, boxes)
        features = np.column_stack(
            [
                mass,
                peak_mass,
                soft_mass,
                self._border(boxes, edges),
                np.hypot(relative_x - 0.5, relative_y - 0.5),
                thirds,
                prior,
                np.abs((boxes[:, 0] + boxes[:, 2]) / (2 * original_width) - 0.5),
                (boxes[:, 1] + boxes[:, 3]) / (2 * original_height) - 0.5,
                faces_kept,
                faces_cut,
            ]
        )
        return features, faces_cut_count

    def _border(self, boxes: np.ndarray, edges: tuple[np.ndarray, ...]) -> np.ndarray:
        left, upper, right, lower = edges
        original_width, original_height = self.analysis.image.original_size
        band = self.settings.border_band * np.minimum(right - left, lower - upper)
        band = np.maximum(band, 0.5)
        bands = (
            (boxes[:, 0] > 0, (left, upper, left + band, lower)),
            (boxes[:, 2] < original_width, (right - band, upper, right, lower)),
            (boxes[:, 1] > 0, (left, upper, right, upper + band)),
            (boxes[:, 3] < original_height, (left, lower - band, right, lower)),
        )
        cuts_image = np.concatenate([cuts for cuts, _ in bands])
        band_left, band_upper, band_right, band_lower = (
            np.concatenate([band[side] for _, band in bands]) for side in range(4)
        )
        band_mass = box_sums(self._integrals[0], band_left, band_upper, band_right, band_lower)
        # Only what the band holds beyond the image's average counts: on a flat map no edge
        # cuts anything, so hugging the image border gains a window nothing.
        expected = self._mean_density * (band_right - band_left) * (band_lower - band_upper)
        excess = cuts_image * np.clip(band_mass - expected, 0, None)
        return excess.reshape(4, len(boxes)).sum(axis=0)


def window_features(
    analysis: Analysis, boxes: np.ndarray, settings: FeatureSettings | None = None
) -> np.ndarray:
    """Features of ``(n, 4)`` boxes of one analysis (see :class:`WindowMeasurer`).

    Build a :class:`WindowMeasurer` instead to measure several sets of windows of one image.
    """
    return WindowMeasurer(analysis, settings)(boxes)


def _measuring_grid(saliency: np.ndarray, measure_size: int) -> np.ndarray:
    height, width = saliency.shape
    factor = measure_size / max(height, width)
    if factor < 1:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        saliency = resize_float_map(saliency, *size)
    saliency = np.clip(saliency.astype(np.float64), 0, None)
    total = saliency.sum()
    return saliency / total if total > 0 else np.full(saliency.shape, 1 / saliency.size)


def integral_image(values: np.ndarray) -> np.ndarray:
    """Summed-area table with a zero first row and column (float64)."""
    integral = np.zeros((values.shape[0] + 1, values.shape[1] + 1), dtype=np.float64)
    integral[1:, 1:] = values.astype(np.float64).cumsum(0).cumsum(1)
    return integral


def box_sums(
    integral: np.ndarray,
    left: np.ndarray,
    upper: np.ndarray,
    right: np.ndarray,
    lower: np.ndarray,
) -> np.ndarray:
    """Sums over boxes with fractional edges, by bilinear reading of an integral image.

    ``integral`` may be a stack ``(k, h, w)`` of integral images: the sums are then
    ``(k, n)``, each window's corners read once for all of them.

    Examples
    --------
    >>> import numpy as np
    >>> integral = integral_image(np.ones((4, 4)))
    >>> box_sums(integral, np.array([0, 1.5]), np.array([0, 0]), np.array([4, 2.5]),
    ...          np.array([4, 2])).tolist()
    [16.0, 2.0]
    """
    return (
        _read(integral, lower, right)
        - _read(integral, upper, right)
        - _read(integral, lower, left)
        + _read(integral, upper, left)
    )


def _read(integral: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear reads of one integral image ``(h, w)`` or a stack ``(k, h, w)``."""
    height, width = integral.shape[-2:]
    rows = np.clip(rows, 0, height - 1)
    cols = np.clip(cols, 0, width - 1)
    row0 = np.minimum(rows.astype(np.int64), height - 2)
    col0 = np.minimum(cols.astype(np.int64), width - 2)
    row_weight, col_weight = rows - row0, cols - col0
    # Flat indices: one take per corner is much quicker than two-axis fancy indexing.
    flat = integral.reshape(*integral.shape[:-2], height * width)
    upper_left = row0 * width + col0
    lower_left = upper_left + width
    top = np.take(flat, upper_left, axis=-1) * (1 - col_weight)
    top += np.take(flat, upper_left + 1, axis=-1) * col_weight
    bottom = np.take(flat, lower_left, axis=-1) * (1 - col_weight)
    bottom += np.take(flat, lower_left + 1, axis=-1) * col_weight
    return top * (1 - row_weight) + bottom * row_weight


def _centre_prior(height: int, width: int) -> np.ndarray:
    rows = ((np.arange(height) + 0.5) / height - 0.5) / _CENTRE_PRIOR_SIGMA
    cols = ((np.arange(width) + 0.5) / width - 0.5) / _CENTRE_PRIOR_SIGMA
    prior = np.exp(-0.5 * (rows[:, None] ** 2 + cols[None, :] ** 2))
    return prior / prior.sum()


def _protected_faces(
    analysis: Analysis, settings: FeatureSettings
) -> tuple[np.ndarray, np.ndarray] | None:
    """Face boxes grown by their margins, in original pixels, and their shares of importance.

    Importance is confidence x square root of area, normalised to sum to 1; None without
    faces.
    """
    if not analysis.faces:
        return None
    scale_x, scale_y = analysis.image.scale
    side = settings.face_margin_side
    top, bottom = settings.face_margin_top, settings.face_margin_bottom
    width, height = analysis.image.original_size
    faces = np.array(
        [
            (
                max(0.0, (f.box[0] - side * f.width) * scale_x),
                max(0.0, (f.box[1] - top * f.height) * scale_y),
                min(width, (f.box[2] + side * f.width) * scale_x),
                min(height, (f.box[3] + bottom * f.height) * scale_y),
            )
            for f in analysis.faces
        ]
    )
    face_area = np.maximum((faces[:, 2] - faces[:, 0]) * (faces[:, 3] - faces[:, 1]), 1e-9)
    # A big, sure face matters more than a small, doubtful one in a crowd.
    importance = np.array([f.score for f in analysis.faces]) * np.sqrt(face_area)
    return faces, importance / importance.sum()


def _face_terms(
    protected: tuple[np.ndarray, np.ndarray] | None, boxes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares of face importance inside and cut by each box, and the number of faces cut."""
    if protected is None:
        zeros = np.zeros(len(boxes))
        return zeros, zeros, zeros
    faces, importance = protected
    inside = share_inside(boxes, faces)
    cut = _cut_degrees(inside)
    return inside @ importance, cut @ importance, cut.sum(axis=1)


def _cut_degrees(inside: np.ndarray) -> np.ndarray:
    """How much each face is cut, from its share inside: 1 between 10 % and 90 %, ramping to
    0 at 0 % and 100 %."""
    return np.clip(np.minimum(inside, 1 - inside) / _CUT_RAMP, 0, 1)
