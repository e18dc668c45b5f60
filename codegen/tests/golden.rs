//! Golden output for the fixture specs in `tests/fixtures`, compared file by file and
//! compiled: the standalone-crate modules are included below as modules of this test.
//!
//! Refresh after an intended change with `WAGATHER_GOLDEN=overwrite cargo test -p wagather-codegen --test golden`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::json;
use wagather_codegen::{Inputs, Mode};
use wagather_sdk::{Resource, ResourceExt};

#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // prettyplease formats the golden files, not rustfmt
#[path = "golden/crate/src/apps_v1.rs"]
mod apps_v1;
#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // prettyplease formats the golden files, not rustfmt
#[path = "golden/crate/src/core_v1.rs"]
mod core_v1;
#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // prettyplease formats the golden files, not rustfmt
#[path = "golden/crate/src/example_v1.rs"]
mod example_v1;
#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // prettyplease formats the golden files, not rustfmt
#[path = "golden/crate/src/project_v1.rs"]
mod project_v1;

/// The modules included above; the golden output must have exactly these.
const COMPILED_MODULES: [&str; 4] = ["apps_v1", "core_v1", "example_v1", "project_v1"];

fn fixture_inputs() -> Inputs {
    // Relative paths (tests run in the package directory) keep the DO NOT EDIT line stable.
    Inputs {
        swagger: vec!["tests/fixtures/swagger.json".into()],
        openapi3: vec![],
        definitions: vec!["tests/fixtures/definitions.json".into()],
        crds: vec!["tests/fixtures/crds".into()],
    }
}

fn compare_or_overwrite(dir: &Path, files: &std::collections::BTreeMap<PathBuf, String>) {
    let overwrite = std::env::var("WAGATHER_GOLDEN").is_ok_and(|v| v == "overwrite");
    if overwrite {
        let _ = std::fs::remove_dir_all(dir);
    }
    let mut mismatches = Vec::new();
    for (rel, content) in files {
        let path = dir.join(rel);
        if overwrite {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(golden) if golden == *content => {}
            Ok(_) => mismatches.push(format!("{} differs", path.display())),
            Err(e) => mismatches.push(format!("{}: {e}", path.display())),
        }
    }
    // Golden files the generator no longer writes.
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !files.contains_key(path.strip_prefix(dir).unwrap()) {
                mismatches.push(format!("{} is no longer generated", path.display()));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "golden output differs (refresh with WAGATHER_GOLDEN=overwrite if intended):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn golden_standalone_crate() {
    let api = wagather_codegen::load(&fixture_inputs()).unwrap();
    let rendered =
        wagather_codegen::render(&api, Mode::Standalone, "wagather-golden", None).unwrap();
    let modules: BTreeSet<&str> = rendered.features.iter().map(String::as_str).collect();
    assert_eq!(modules, COMPILED_MODULES.into_iter().collect());
    compare_or_overwrite(Path::new("tests/golden/crate"), &rendered.files);
}

#[test]
fn golden_sdk_modules() {
    let api = wagather_codegen::load(&fixture_inputs()).unwrap();
    let rendered = wagather_codegen::render(&api, Mode::Sdk, "", None).unwrap();
    compare_or_overwrite(Path::new("tests/golden/sdk"), &rendered.files);
}

#[test]
fn fixture_ir() {
    let api = wagather_codegen::load(&fixture_inputs()).unwrap();
    let pod = api
        .resources
        .values()
        .find(|r| r.gvk.kind == "Pod")
        .expect("Pod");
    assert!(pod.namespaced);
    assert_eq!(pod.plural, "pods");
    // The connect operation's GVK names PodExecOptions, but the path makes it Pod's.
    assert_eq!(
        pod.subresources
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["exec", "log"]
    );
    assert!(pod.verbs.contains("list") && pod.verbs.contains("get"));
    let deployment = api
        .resources
        .values()
        .find(|r| r.gvk.kind == "Deployment")
        .expect("Deployment");
    assert!(deployment.subresources.contains("scale"));
    // TokenReview is create-only: in the IR, but not listable, so not generated.
    let review = api
        .resources
        .values()
        .find(|r| r.gvk.kind == "TokenReview")
        .expect("TokenReview");
    assert!(!review.listable());
    // The v1beta1 Widget version is not served.
    assert!(
        api.resources.keys().all(|g| g.version != "v1beta1"),
        "unserved versions are skipped"
    );
    let widget = api
        .resources
        .values()
        .find(|r| r.gvk.kind == "Widget")
        .expect("Widget");
    assert_eq!(widget.short_names, ["wd"]);
    assert_eq!(widget.printer_columns[0].json_path, ".spec.size");
    let project = api
        .resources
        .values()
        .find(|r| r.gvk.kind == "Project")
        .expect("Project from the aggregated-API table");
    assert_eq!(
        (
            project.gvk.group.as_str(),
            project.plural.as_str(),
            project.namespaced
        ),
        ("project.openshift.io", "projects", false)
    );
}

#[test]
fn generated_types_have_the_right_shape() {
    // Scope is in the types: namespaced kinds go through namespaced()/all_namespaces().
    let _ = core_v1::pods().namespaced("default");
    let _ = core_v1::pods().all_namespaces();
    let _ = apps_v1::deployments().namespaced("default");
    let _ = core_v1::namespaces().list(&Default::default());
    let _ = example_v1::gadgets().list(&Default::default());
    let _ = example_v1::widgets().all_namespaces();
    let _ = project_v1::projects().list(&Default::default());
    assert_eq!(<example_v1::Widget as Resource>::PLURAL, "widgets");
    assert_eq!(
        <example_v1::Widget as Resource>::GROUP,
        "example.wagather.io"
    );
    assert_eq!(<core_v1::Pod as Resource>::GROUP, "");
    assert_eq!(<project_v1::Project as Resource>::PLURAL, "projects");
}

#[test]
fn generated_structs_round_trip() {
    let input = json!({
        "apiVersion": "example.wagather.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "ns"},
        "spec": {
            "size": 3,
            "ratio": 1.50,
            "type": "Round",
            "x-odd-name": true,
            "maxUnavailable": "25%",
            "labels": {"a": "b"},
            "parts": [{"name": "p", "options": {"o": {"value": "v"}}}],
            "raw": {"anything": [1, {"goes": null}]},
            "empty": {"kept": true},
            "tags": null
        },
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}
    });
    let widget: example_v1::Widget = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(widget.name(), "w");
    assert_eq!(widget.spec.size, 3);
    assert_eq!(widget.spec.r#type.as_deref(), Some("Round"));
    assert_eq!(widget.spec.x_odd_name, Some(true));
    assert_eq!(
        widget.spec.tags,
        Some(None),
        "null is kept apart from absent"
    );
    assert_eq!(serde_json::to_value(&widget).unwrap(), input);

    // apiVersion and kind may be absent on input and are always written.
    let bare: example_v1::Gadget = serde_json::from_value(
        json!({"metadata": {"name": "g"}, "spec": {"gadget": {"self": "x"}}}),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&bare).unwrap(),
        json!({"apiVersion": "example.wagather.io/v1", "kind": "Gadget",
               "metadata": {"name": "g"}, "spec": {"gadget": {"self": "x"}}})
    );

    let project: project_v1::Project = serde_json::from_value(json!({
        "metadata": {"name": "demo"},
        "status": {"phase": "Active", "conditions": [{"type": "T", "status": "False"}]}
    }))
    .unwrap();
    assert_eq!(project.name(), "demo");
    assert_eq!(
        serde_json::to_value(&project).unwrap()["apiVersion"],
        json!("project.openshift.io/v1")
    );
}

#[test]
fn fixture_catalog() {
    let api = wagather_codegen::load(&fixture_inputs()).unwrap();
    // An existing catalog's short names survive for kinds whose specs have none.
    let existing = r#"[{"group":"","version":"v1","kind":"Pod","plural":"pods","namespaced":true,
                        "printer_columns":[],"short_names":["po"]}]"#;
    let text = wagather_codegen::catalog_json(&api, Some(existing)).unwrap();
    let catalog: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&str> = catalog
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // Sorted by group, version, kind; only listable resources (no TokenReview).
    assert_eq!(
        kinds,
        [
            "Namespace",
            "Pod",
            "Deployment",
            "Gadget",
            "Widget",
            "Project"
        ]
    );
    assert_eq!(catalog[1]["short_names"], json!(["po"]));
    assert_eq!(
        catalog[4],
        json!({"group": "example.wagather.io", "version": "v1", "kind": "Widget",
               "plural": "widgets", "namespaced": true,
               "printer_columns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size",
                                    "description": "Requested size."}],
               "short_names": ["wd"]})
    );
    assert!(catalog[0].get("short_names").is_none());
}
