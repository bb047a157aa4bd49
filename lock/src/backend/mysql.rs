//! Locks on MySQL/MariaDB (feature `mysql`): being written.
