"""Concurrency tests: real threads, each with its own PostgreSQL connection, against the real database."""
