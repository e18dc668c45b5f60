use wagather_sdk::prelude::*;

#[gatherer(reads = [nodes])]
fn gather(_ctx: &mut Gather) -> Result<()> {
    Ok(())
}

fn main() {}
