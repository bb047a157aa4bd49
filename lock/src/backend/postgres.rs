//! Locks on PostgreSQL (feature `postgres`): being written.
