use wagather_sdk::prelude::*;

#[gatherer(reads = ["v1/nodes"])]
fn gather(ctx: Gather) -> Result<()> {
    let _ = ctx;
    Ok(())
}

fn main() {}
