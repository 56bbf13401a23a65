"""convscope sessions in the tools people already use: pandas and Parquet tables, and
OpenTelemetry GenAI traces for trace viewers (Arize Phoenix, Langfuse...)."""
