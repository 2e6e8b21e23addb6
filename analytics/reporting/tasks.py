"""The reporting database's periodic extract (beat: REPORTING_EXTRACT_SECONDS)."""

from celery import shared_task


@shared_task(name="reporting.extract")
def extract() -> dict:
    """Extracts what settled since the marks. Two at once take turns batch by
    batch (each locks its mark) and a batch read twice writes the same facts."""
    from analytics.reporting.extract import extract_run

    return dict(extract_run())
