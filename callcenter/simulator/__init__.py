"""Embedded PBX simulator: AMI server and FastAGI client that behave like Asterisk 22."""
