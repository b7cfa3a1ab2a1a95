"""`python -m bot.cli …` runs the `cancelbot` command."""

import sys

from bot.cli import main

sys.exit(main())
