use wagather_sdk::prelude::*;

#[gatherer(reads = ["v1/nodes"])]
fn gather(_ctx: &mut Gather) {}

fn main() {}
