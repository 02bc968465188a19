"""Building the network: the layer palette, the layer stack, the inspector and the training settings.

Contract: these views edit the document only through undo commands and read
it only through ``ProjectDocument``; they import no engine and no TensorFlow.
"""
