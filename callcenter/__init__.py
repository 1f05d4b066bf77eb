"""Call-center integration server: Asterisk AMI + FastAGI, tier routing, screen pops, CRM store."""

__version__ = "0.1.0"
