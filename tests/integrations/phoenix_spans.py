"""Run by the Phoenix virtualenv's Python: every span Phoenix stored, read through its own
client, printed as JSON lines (name, trace id, parent, the attributes a test checks).

    .venv-phoenix/bin/python tests/integrations/phoenix_spans.py http://127.0.0.1:6006
"""

import json
import sys

from phoenix.client import Client

frame = Client(base_url=sys.argv[1]).spans.get_spans_dataframe(project_identifier="default", limit=10_000)
for span_id, row in frame.iterrows():
    gen_ai = row.get("attributes.gen_ai")
    print(
        json.dumps(
            {
                "span_id": span_id,
                "name": row["name"],
                "trace_id": row["context.trace_id"],
                "parent_id": row["parent_id"] if isinstance(row["parent_id"], str) else None,
                "gen_ai": gen_ai if isinstance(gen_ai, dict) else {},
                "event_names": [event["name"] for event in row["events"]] if len(row["events"]) else [],
            },
            default=str,
        )
    )
