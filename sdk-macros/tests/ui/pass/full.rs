//! Every attribute key, a namespaced subresource read, and the in-process runner.
use wagather_sdk::prelude::*;

#[gatherer(
    reads = ["v1/pods/log in openshift-monitoring,default", "apps/v1/deployments"],
    name = "monitoring-logs",
    version = "2.1.0",
)]
fn gather(ctx: &mut Gather) -> Result<()> {
    ctx.record_raw("config/note", ctx.config().get("note").unwrap_or("none").to_owned())?;
    Err(Error::InvalidParams("stop".into()))
}

fn main() {
    let manifest: wagather_sdk::serde_json::Value =
        wagather_sdk::serde_json::from_str(__WAGATHER_MANIFEST).unwrap();
    assert_eq!(
        manifest,
        wagather_sdk::serde_json::json!({
            "contract": "wagather:gatherer@0.2.0",
            "name": "monitoring-logs",
            "version": "2.1.0",
            "reads": [
                {"group": "", "version": "v1", "resource": "pods", "subresource": "log",
                 "namespaces": ["openshift-monitoring", "default"]},
                {"group": "apps", "version": "v1", "resource": "deployments"},
            ],
        })
    );
    let output = __wagather_run(vec![("note".into(), "hi".into())]);
    assert_eq!(output.records.len(), 1);
    assert_eq!(output.records[0].data, b"hi");
    let errors: Vec<String> = output.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors, ["invalid request parameters: stop"]);
}
