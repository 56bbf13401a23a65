"""The headless front end: a session run to its end in the terminal, printed as it streams."""
