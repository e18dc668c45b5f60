use wagather_sdk::prelude::*;

#[gatherer(reads = [], name = "cluster operators")]
fn gather(_ctx: &mut Gather) -> Result<()> {
    Ok(())
}

fn main() {}
