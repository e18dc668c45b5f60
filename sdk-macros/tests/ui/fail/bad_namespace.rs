use wagather_sdk::prelude::*;

#[gatherer(reads = ["v1/pods/log in openshift-monitoring,Default"])]
fn gather(_ctx: &mut Gather) -> Result<()> {
    Ok(())
}

fn main() {}
