"""Pure rules of the emulator: no Flask, no I/O, standard library only."""
