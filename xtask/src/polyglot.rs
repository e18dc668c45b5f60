//! Gatherers written in JavaScript and Python.
#![allow(dead_code)]
pub mod manifest;
