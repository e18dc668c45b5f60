//! Name and version default to the package's; an empty `reads` is allowed.
use wagather_sdk::prelude::*;

#[gatherer(reads = [])]
pub fn collect(_ctx: &mut wagather_sdk::Gather) -> wagather_sdk::Result<()> {
    Ok(())
}

fn main() {
    let manifest: wagather_sdk::serde_json::Value =
        wagather_sdk::serde_json::from_str(__WAGATHER_MANIFEST).unwrap();
    // trybuild builds each case in a package named after the crate under test.
    assert_eq!(manifest["name"], "wagather-sdk-macros-tests");
    assert_eq!(manifest["version"], "0.0.0");
    assert_eq!(manifest["reads"], wagather_sdk::serde_json::json!([]));
}
