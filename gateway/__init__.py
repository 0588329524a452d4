"""mws-gateway: legacy Amazon MWS clients, unchanged, served through SP-API."""

__version__ = "0.1.0"
