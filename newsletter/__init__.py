"""newsletter: compile a weekly email digest, preview it, and send it to a mailing list."""

__version__ = "0.1.0"
