"""talkscan: how the people in a meeting negotiate with each other."""

__version__ = "0.1.0"
__all__ = ["__version__"]
