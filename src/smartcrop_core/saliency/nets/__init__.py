"""Saliency networks in plain torch: DeepGaze-style readouts, the compact student, baselines.

Every network maps a batch of RGB images, float32 ``(b, 3, h, w)`` in ``[0, 1]``, to
unnormalised log-densities ``(b, h', w')`` at its own stride (``network.stride``); a
softmax over the pixels of one map gives the probability of a look landing there. Importing
this package imports torch.
"""
