"""Watch progress takes HOT updates: the flush rewrites positions in place.

The flush updates thousands of rows at a time. With the Continue watching index gone (the
primary key serves a profile's rows) no updated column is indexed, so PostgreSQL can keep each
new row version on the same page without touching any index, if the page has room: the
fillfactor leaves half of each page free for them, and autovacuum visits the table often.
The profile's own foreign-key index duplicates the primary key's first column, and goes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_text_validators'),
        ('playback', '0003_end_reason_revoked_and_https_audit_url'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='watchprogress',
            name='playback_progress_continue_idx',
        ),
        migrations.AlterField(
            model_name='watchprogress',
            name='profile',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='progress', to='accounts.profile'),
        ),
        migrations.RunSQL(
            "ALTER TABLE playback_watchprogress SET (fillfactor = 50, "
            "autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05)",
            reverse_sql="ALTER TABLE playback_watchprogress RESET (fillfactor, "
            "autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)",
        ),
    ]
