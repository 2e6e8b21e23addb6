"""Records of processing (GDPR Art. 30(2)): built from live configuration
(build.py), kept as numbered snapshots whenever they change (snapshot.py),
refreshed by tasks queued on commit of any input (hooks.py, tasks.py)."""
