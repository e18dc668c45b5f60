use wagather_sdk::prelude::*;

#[gatherer(reads = ["v1/nodes"])]
fn gather(_ctx: &mut Gather) -> Result<u32> {
    Ok(1)
}

fn main() {}
