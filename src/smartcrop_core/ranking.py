"""Scoring windows: a ranker learned from where people looked, shipped in the package.

A :class:`Ranker` maps the features of a window
(:data:`~smartcrop_core.window_features.FEATURE_NAMES`: saliency kept, cuts at its edges,
balance, position priors, faces kept and cut) to a score; the best-scored window is the
crop. It is a small network (or a linear model) on standardised features, trained with
``smartcrop-train ranker`` on the train split of the eye-tracking sets to put first the
windows that keep the most fixations and cut no labelled face. ``ranker.json`` in this
package records its weights and the command, data and seed that made them.

:data:`HAND_SET` is the ranking the project used before it learned one (saliency kept,
minus cuts at the edges, plus faces kept, minus faces cut; weights grid-searched on train),
kept for comparison and as an example of a linear ranker.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .errors import WeightsUnavailableError
from .window_features import FEATURE_NAMES

__all__ = ["HAND_SET", "SHIPPED_RANKER", "Ranker", "load_ranker"]

#: File name of the shipped ranker in ``smartcrop_core/ranker_weights``.
SHIPPED_RANKER = "ranker.json"


@dataclass(frozen=True, eq=False)
class Ranker:
    """Scores windows from their features: a small tanh network on standardised features.

    Attributes
    ----------
    feature_names : tuple of str
        The features it reads, a subset of ``FEATURE_NAMES`` in any order.
    mean, scale : numpy.ndarray
        Standardisation of those features: ``(features - mean) / scale``.
    layers : tuple of (weights, bias)
        Dense layers, ``tanh`` between them; one ``(d, 1)`` layer is a linear ranker.
    info : dict
        How it was made (command, data, seed, held-out scores).

    Examples
    --------
    >>> import numpy as np
    >>> ranker = Ranker.linear({"mass": 1.0, "faces_cut": -0.5})
    >>> features = np.zeros((2, len(FEATURE_NAMES)))
    >>> features[0, FEATURE_NAMES.index("mass")] = 0.6
    >>> features[1, FEATURE_NAMES.index("mass")] = 0.8
    >>> features[1, FEATURE_NAMES.index("faces_cut")] = 1.0
    >>> ranker.score(features).round(2).tolist()
    [0.6, 0.3]
    """

    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [name for name in self.feature_names if name not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"ranker reads unknown features {unknown}; known: {FEATURE_NAMES}")
        width = len(self.feature_names)
        if np.shape(self.mean) != (width,) or np.shape(self.scale) != (width,):
            raise ValueError(f"ranker needs a mean and a scale for each of its {width} features")
        if not np.all(np.isfinite(self.mean)) or not np.all(
            np.isfinite(self.scale) & (np.asarray(self.scale) > 0)
        ):
            raise ValueError("ranker's mean must be finite and its scale finite and positive")
        for weights, bias in self.layers:
            if np.ndim(weights) != 2 or np.ndim(bias) != 1:
                raise ValueError(
                    f"ranker layers need 2-D weights and a 1-D bias, got shapes "
                    f"{np.shape(weights)} and {np.shape(bias)}"
                )
            if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(bias))):
                raise ValueError("ranker weights must be finite numbers")
            if weights.shape[0] != width or bias.shape != (weights.shape[1],):
                raise ValueError(
                    f"ranker layer of shape {weights.shape} does not take {width} inputs"
                )
            width = weights.shape[1]
        if width != 1:
            raise ValueError(f"ranker's last layer must give one score, gives {width}")
        columns = [FEATURE_NAMES.index(name) for name in self.feature_names]
        object.__setattr__(self, "_columns", np.array(columns))

    @classmethod
    def linear(cls, weights: dict[str, float], info: dict | None = None) -> Ranker:
        """A linear ranker on raw features: ``score = sum(weight * feature)``."""
        names = tuple(weights)
        return cls(
            feature_names=names,
            mean=np.zeros(len(names)),
            scale=np.ones(len(names)),
            layers=(
                (np.array([[weights[name]] for name in names], dtype=np.float64), np.zeros(1)),
            ),
            info=info or {},
        )

    def score(self, features: np.ndarray) -> np.ndarray:
        """Scores of windows, ``(n,)`` from ``(n, len(FEATURE_NAMES))`` features."""
        values = (np.asarray(features, dtype=np.float64)[:, self._columns] - self.mean) / self.scale
        for index, (weights, bias) in enumerate(self.layers):
            if index:
                values = np.tanh(values)
            values = values @ weights + bias
        return values[:, 0]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (what :meth:`from_dict` reads)."""
        return {
            "feature_names": list(self.feature_names),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "layers": [
                {"weights": weights.tolist(), "bias": bias.tolist()}
                for weights, bias in self.layers
            ],
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> Ranker:
        """The ranker :meth:`to_dict` described."""
        try:
            return cls(
                feature_names=tuple(document["feature_names"]),
                mean=np.asarray(document["mean"], dtype=np.float64),
                scale=np.asarray(document["scale"], dtype=np.float64),
                layers=tuple(
                    (
                        np.asarray(layer["weights"], dtype=np.float64),
                        np.asarray(layer["bias"], dtype=np.float64),
                    )
                    for layer in document["layers"]
                ),
                info=document.get("info", {}),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a ranker description: missing or bad {exc}") from None

    def save(self, path: str | Path) -> Path:
        """Write the ranker as JSON to ``path``."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path


def load_ranker(source: str | Path | Ranker | None = None) -> Ranker:
    """A ranker: the shipped one (``None``), ``"hand-set"``, or a JSON file written by
    :meth:`Ranker.save` (``smartcrop-train ranker`` writes one).

    Raises
    ------
    WeightsUnavailableError
        The file does not exist (or the package lost its shipped ranker).
    ValueError
        The file is not a ranker description.
    """
    if isinstance(source, Ranker):
        return source
    if source == "hand-set":
        return HAND_SET
    if source is None:
        path = Path(str(resources.files("smartcrop_core.ranker_weights").joinpath(SHIPPED_RANKER)))
    else:
        path = Path(source)
    if not path.is_file():
        raise WeightsUnavailableError(
            f"no ranker at {path}; train one with 'smartcrop-train ranker' or reinstall smartcrop"
        )
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not a ranker description: {exc}") from None
    return Ranker.from_dict(document)


HAND_SET = Ranker.linear(
    {"mass": 1.0, "border": -0.1, "faces_kept": 0.1, "faces_cut": -0.15},
    info={
        "note": "hand-set weights, grid-searched on train by a script retired once the "
        "ranker was learned"
    },
)
