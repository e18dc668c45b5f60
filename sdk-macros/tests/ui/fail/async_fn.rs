use wagather_sdk::prelude::*;

#[gatherer(reads = ["v1/nodes"])]
async fn gather(_ctx: &mut Gather) -> Result<()> {
    Ok(())
}

fn main() {}
