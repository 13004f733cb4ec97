"""The medseal command line: argument parsing and output formatting over the core."""
