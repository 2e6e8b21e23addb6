"""The reporting database's periodic extract (beat: REPORTING_EXTRACT_SECONDS)."""

from celery import shared_task

from instaply import rls


@shared_task(name="reporting.extract")
def extract() -> dict:
    """Extracts what settled since the marks. Two at once take turns batch by
    batch (each locks its mark) and a batch read twice writes the same facts."""
    from analytics.reporting.extract import extract_run

    with rls.platform_work("reporting extract: identifiers of every tenant's new rows"):
        return dict(extract_run())
