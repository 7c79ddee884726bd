"""APFA: the Agentic Personalized Financial Advisor."""

__version__ = "0.1.0"
