use wagather_sdk::prelude::*;

#[gatherer(reads = ["v1/nodes", "apps/deployments"])]
fn gather(_ctx: &mut Gather) -> Result<()> {
    Ok(())
}

fn main() {}
