"""Bounds every layer checks input against before it reaches the database."""

# Ids and amounts are INTEGER columns (32-bit on PostgreSQL): a larger number can match no row and
# must not reach the database, where it is an error rather than "not found".
MAX_DB_INT = 2_147_483_647
