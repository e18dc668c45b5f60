//! Integration tests of the wagather host: real components built by cargo,
//! a real kube client, and real HTTP servers on loopback.

mod cache;
mod cli;
mod counting_server;
mod gather_snapshot;
mod guests;
mod hostile;
mod limits;
mod pool;
mod post;
mod world;
