"""ocopsite: a static, multilingual catalogue generator for OCOP products."""

__version__ = "0.1.0"
