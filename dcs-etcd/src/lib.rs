//! pg-ha Dcs backend: not implemented yet (see the project's issues).
