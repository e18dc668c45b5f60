//! #[gatherer]
