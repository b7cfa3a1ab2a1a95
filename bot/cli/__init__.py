"""The `cancelbot` command (entry point `bot.cli:main`)."""

from bot.cli.parser import main

__all__ = ["main"]
