"""What Asterisk needs to know about this server: its configuration files, rendered from ours."""
