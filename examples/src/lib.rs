//! Embedding examples for pg-ha (see examples/).
