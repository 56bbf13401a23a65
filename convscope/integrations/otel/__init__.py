"""Sessions as OpenTelemetry traces, after the GenAI semantic conventions (see ``spans``)."""
