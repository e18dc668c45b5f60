//! Integration tests of the wagather host: real components built by cargo, a real kube
//! client, and real HTTP servers on loopback.

mod cache;
mod contract;
mod counting_server;
mod gather_snapshot;
mod guests;
mod hostile;
mod limits;
mod partial;
mod polyglot;
mod pool;
mod post;
mod world;
