"""Synthetic catalogs of any size, loaded with set-based SQL (for benchmarks and tests).

Movies use multi-table inheritance, which ``bulk_create`` does not support, and building
10,000 titles one ``save()`` at a time takes minutes; ``generate_series`` takes a second.
Every title gets a primary stream and a default caption, so the publishing rule holds.
"""

from __future__ import annotations

from django.db import connection, transaction

from catalog.models import Genre
from streaming_portal.infra.crypto import encrypt

WORDS = [
    "Silent",
    "Harbour",
    "Glass",
    "Orbit",
    "River",
    "Winter",
    "Ember",
    "Paper",
    "Crown",
    "Signal",
    "Atlas",
    "Hollow",
    "Lantern",
    "Meridian",
    "Quiet",
    "Copper",
    "Night",
    "Garden",
    "Echo",
    "Tide",
]


def load_movies(count: int, *, genres: int = 8, prefix: str = "Synthetic") -> None:
    """Add ``count`` available movies spread over ``genres`` genres, ratings and windows."""
    genre_ids = []
    for index in range(genres):
        genre, _ = Genre.objects.get_or_create(
            slug=f"{prefix.lower()}-genre-{index}", defaults={"name": f"{prefix} genre {index}"}
        )
        genre_ids.append(genre.pk)
    stream_url = encrypt("https://cdn.example.com/synthetic/master.m3u8")
    words = "ARRAY[" + ",".join(f"'{word}'" for word in WORDS) + "]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            DROP TABLE IF EXISTS synthetic;
            CREATE TEMP TABLE synthetic ON COMMIT DROP AS
            SELECT gen_random_uuid() AS id, n,
                   %(prefix)s || ' ' || ({words})[1 + n %% 20] || ' ' || ({words})[1 + (n / 20) %% 20]
                       || ' ' || n AS title
            FROM generate_series(1, %(count)s) AS n;

            INSERT INTO catalog_video (id, kind, duration_minutes, release_year, created_at, updated_at)
            SELECT id, 'MOVIE', 80 + n %% 60, 1990 + n %% 35, now(), now() FROM synthetic;

            INSERT INTO catalog_movie (video_ptr_id, title, slug, synopsis, poster_url,
                maturity_rating, availability_start, availability_end, visibility)
            SELECT id, title, lower(replace(title, ' ', '-')),
                   'A story about ' || lower(title) || ' and the people who keep it going.',
                   'https://img.example.com/' || n || '.jpg',
                   (ARRAY[0, 7, 13, 16, 18])[1 + n %% 5],
                   now() - interval '30 days', now() + ((10 + n %% 200) || ' days')::interval,
                   'VISIBLE'
            FROM synthetic;

            INSERT INTO catalog_movie_genres (movie_id, genre_id)
            SELECT id, (%(genres)s::bigint[])[1 + n %% %(genre_count)s] FROM synthetic;

            INSERT INTO catalog_streamsource (id, video_id, stream_url, quality_tag, drm_required,
                is_primary, validation_status, validation_message, validation_renditions)
            SELECT gen_random_uuid(), id, %(stream)s, NULL, false, true, 'VALID', '', '[]'
            FROM synthetic;

            INSERT INTO catalog_captiontrack (id, video_id, language_code, caption_url, format,
                is_default, validation_status, validation_message)
            SELECT gen_random_uuid(), id, 'en', 'https://cdn.example.com/synthetic/en.vtt',
                   'WEBVTT', true, 'VALID', '' FROM synthetic;
            """,  # noqa: S608 - constants and parameters only
            {
                "prefix": prefix,
                "count": count,
                "genres": genre_ids,
                "genre_count": len(genre_ids),
                "stream": stream_url,
            },
        )
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would gather after a real import: without them the
        # planner believes these tables are empty.
        cursor.execute(
            "ANALYZE catalog_video, catalog_movie, catalog_movie_genres, catalog_streamsource, "
            "catalog_captiontrack"
        )
    from catalog.versions import bump_catalog_version  # noqa: PLC0415

    bump_catalog_version()
