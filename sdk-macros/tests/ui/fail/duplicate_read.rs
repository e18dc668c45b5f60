use wagather_sdk::prelude::*;

#[gatherer(reads = ["v1/nodes", "v1/nodes"])]
fn gather(_ctx: &mut Gather) -> Result<()> {
    Ok(())
}

fn main() {}
