"""Many rows of one tenant updated in one statement, each with its own values.

Django's ``bulk_update`` builds a ``CASE WHEN`` per field and row, whose
compilation costs more CPU than the rows' own work on a batch of inbound texts
(measured: half of a batch); this is PostgreSQL's ``UPDATE ... FROM (VALUES ...)``,
one statement, values as parameters. Callers compute the values themselves
(encrypted ones through the field's ``pre_save``) and fall back to ``save()``
on other databases.
"""

from django.db import connection


def rows_update(model, *, tenant_id, columns: list[tuple[str, str]], rows: list, assign: str):
    """``rows``: one tuple per row, its primary key first, then one value per
    ``columns`` entry ``(name, SQL type)``. ``assign``: the SET clause, naming the
    row as ``t`` and its new values as ``v`` (``"count = t.count + v.n"``)."""
    quote = connection.ops.quote_name
    names = ", ".join(["id", *(name for name, _ in columns)])
    casts = ", ".join(["%s::uuid", *(f"%s::{sql_type}" for _, sql_type in columns)])
    values = ", ".join([f"({casts})"] * len(rows))
    # Identifiers come from the callers' code and the model's metadata; every value
    # is a parameter.
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assign} "  # noqa: S608
        f"FROM (VALUES {values}) AS v ({names}) WHERE t.id = v.id AND t.tenant_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row] + [tenant_id])
