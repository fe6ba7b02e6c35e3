//! pg-ha agent library: not implemented yet (see the project's issues).
