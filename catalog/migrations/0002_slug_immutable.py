"""A slug is made once, from the first title, and never changes: the database refuses it."""

from __future__ import annotations

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_refuse_slug_change() RETURNS trigger AS $$
BEGIN
    IF NEW.slug IS DISTINCT FROM OLD.slug THEN
        RAISE EXCEPTION 'The slug of % cannot change (was %, now %)',
            TG_TABLE_NAME, OLD.slug, NEW.slug
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_slug_immutable BEFORE UPDATE OF slug ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION catalog_refuse_slug_change();"
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunSQL(
            FUNCTION + trigger("catalog_movie") + trigger("catalog_series"),
            reverse_sql=(
                "DROP TRIGGER catalog_movie_slug_immutable ON catalog_movie;"
                "DROP TRIGGER catalog_series_slug_immutable ON catalog_series;"
                "DROP FUNCTION catalog_refuse_slug_change();"
            ),
        ),
    ]
