"""python -m emulator: the same as the sequence-emulator command."""

from emulator.cli import main

raise SystemExit(main())
