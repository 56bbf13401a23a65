"""``convscope report``: a session or a corpus as one self-contained HTML file of matplotlib figures."""
