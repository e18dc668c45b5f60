//! snapshot server
