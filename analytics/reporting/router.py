"""Routes the reporting app's models to the ``reporting`` database, and nothing else there.

The reporting database is a separate database (its own PostgreSQL database and
role in production, its own SQLite file on the embedded default) that the BI
provider may read. Only this app's tables are created in it, and this app's
tables exist nowhere else, so no query can join facts to the main database.
"""

REPORTING_DB = "reporting"
REPORTING_APP = "reporting"


class ReportingRouter:
    def db_for_read(self, model, **hints):
        return REPORTING_DB if model._meta.app_label == REPORTING_APP else None

    def db_for_write(self, model, **hints):
        return REPORTING_DB if model._meta.app_label == REPORTING_APP else None

    def allow_relation(self, obj1, obj2, **hints):
        # No foreign key crosses between the two databases.
        reporting = {o._meta.app_label == REPORTING_APP for o in (obj1, obj2)}
        return None if reporting == {False} else len(reporting) == 1

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return (app_label == REPORTING_APP) == (db == REPORTING_DB)
