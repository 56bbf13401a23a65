"""convscope: a terminal observatory for conversations between LLM agents."""

__version__ = "0.1.0"
