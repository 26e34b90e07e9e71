//! iam tests.
