"""Training and evaluation of the project's own models (needs the training data in shared/)."""
