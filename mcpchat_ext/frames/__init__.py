"""Protocol frames in and out of a client connection: the dispatcher and token coalescing."""
