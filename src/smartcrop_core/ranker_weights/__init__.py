"""The shipped window ranker (``ranker.json``), trained by ``smartcrop-train ranker``."""
