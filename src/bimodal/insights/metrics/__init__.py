"""The metrics engine: DORA (dora.py), Mode 1 KPIs (kpis.py) and value-stream heat maps
(valuestream.py), computed set-based in SQL on SQLite and PostgreSQL alike (sql.py)."""
