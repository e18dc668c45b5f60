use wagather_sdk::prelude::*;

#[gatherer(name = "nodes")]
fn gather(_ctx: &mut Gather) -> Result<()> {
    Ok(())
}

fn main() {}
