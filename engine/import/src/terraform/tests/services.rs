//! services tests.
