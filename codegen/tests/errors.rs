//! Bad input gives an error that names the file and the JSON/YAML path.

use std::path::{Path, PathBuf};

use wagather_codegen::{Error, Inputs};

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    path
}

fn load_err(inputs: Inputs) -> (Error, String) {
    let err = wagather_codegen::load(&inputs).expect_err("input is bad");
    let text = err.to_string();
    (err, text)
}

const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  names: {kind: Thing, plural: PLURAL}
  scope: SCOPE
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object}
"#;

#[test]
fn unreadable_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let (err, text) = load_err(Inputs {
        swagger: vec![missing.clone()],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(text.contains(&missing.display().to_string()), "{text}");
}

#[test]
fn not_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "spec.json", "{ this is not json");
    let (err, text) = load_err(Inputs {
        swagger: vec![file.clone()],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::Parse { .. }), "{err:?}");
    assert!(
        text.contains("spec.json") && text.contains("JSON"),
        "{text}"
    );
}

#[test]
fn unknown_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "openapi3.json",
        r#"{"openapi": "3.0.0", "paths": {}}"#,
    );
    let (err, text) = load_err(Inputs {
        swagger: vec![file],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::UnknownFormat { .. }), "{err:?}");
    assert!(
        text.contains("openapi3.json") && text.contains("Swagger 2.0"),
        "{text}"
    );

    let v2 = write(dir.path(), "v2.json", r#"{"swagger": "2.0", "paths": {}}"#);
    let (err, _) = load_err(Inputs {
        openapi3: vec![v2],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::UnknownFormat { .. }), "{err:?}");
}

#[test]
fn bad_yaml_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "crds/broken.yaml", "kind: [unclosed\n");
    let (err, text) = load_err(Inputs {
        crds: vec![dir.path().join("crds")],
        ..Inputs::default()
    });
    assert!(
        matches!(err, Error::Parse { format: "YAML", .. }),
        "{err:?}"
    );
    assert!(text.contains("broken.yaml"), "{text}");
}

#[test]
fn dangling_ref() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "defs.json",
        r##"{"swagger": "2.0", "paths": null, "definitions": {
            "com.example.v1.Thing": {"type": "object", "properties": {
                "spec": {"$ref": "#/definitions/com.example.v1.Missing"}}}}}"##,
    );
    let (err, text) = load_err(Inputs {
        definitions: vec![file],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::DanglingRef { .. }), "{err:?}");
    assert!(text.contains("defs.json"), "{text}");
    assert!(
        text.contains("/definitions/com.example.v1.Thing/properties/spec/$ref"),
        "{text}"
    );
    assert!(text.contains("com.example.v1.Missing"), "{text}");
}

#[test]
fn crd_without_plural() {
    let dir = tempfile::tempdir().unwrap();
    let crd = CRD
        .replace(
            "names: {kind: Thing, plural: PLURAL}",
            "names: {kind: Thing}",
        )
        .replace("SCOPE", "Namespaced");
    // Second document of the file, so the path must say which document.
    write(
        dir.path(),
        "things.yaml",
        &format!("apiVersion: v1\nkind: ConfigMap\n---{crd}"),
    );
    let (err, text) = load_err(Inputs {
        crds: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(text.contains("things.yaml"), "{text}");
    assert!(text.contains("doc 1 /spec/names/plural"), "{text}");
}

#[test]
fn bad_scope() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "things.yaml",
        &CRD.replace("PLURAL", "things").replace("SCOPE", "Galaxy"),
    );
    let (_, text) = load_err(Inputs {
        crds: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    });
    assert!(
        text.contains("doc 0 /spec/scope") && text.contains("Galaxy"),
        "{text}"
    );
}

#[test]
fn duplicate_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let crd = CRD
        .replace("PLURAL", "things")
        .replace("SCOPE", "Namespaced");
    write(dir.path(), "a.yaml", &crd);
    write(dir.path(), "b.yaml", &crd);
    let (err, text) = load_err(Inputs {
        crds: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::DuplicateKind { .. }), "{err:?}");
    assert!(
        text.contains("example.com/v1/Thing") && text.contains("a.yaml") && text.contains("b.yaml"),
        "{text}"
    );
}

#[test]
fn conflicting_plural_or_scope() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "one/a.yaml",
        &CRD.replace("PLURAL", "things")
            .replace("SCOPE", "Namespaced"),
    );
    write(
        dir.path(),
        "two/b.yaml",
        &CRD.replace("PLURAL", "thingies")
            .replace("SCOPE", "Cluster"),
    );
    // The same GVK from a second input with another plural and scope.
    let (err, text) = load_err(Inputs {
        crds: vec![dir.path().join("one"), dir.path().join("two")],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
    assert!(
        text.contains("things, Namespaced") && text.contains("thingies, Cluster"),
        "{text}"
    );
}

#[test]
fn stale_fixup_fails() {
    let dir = tempfile::tempdir().unwrap();
    // openshift/api's build.v1 package without its Build kind: the aggregated-API table
    // row for builds no longer matches.
    let file = write(
        dir.path(),
        "openapi.json",
        r#"{"swagger": "2.0", "paths": null, "definitions": {
            "com.github.openshift.api.build.v1.BuildConfig": {"type": "object", "properties": {"spec": {"type": "string"}}}}}"#,
    );
    let (err, text) = load_err(Inputs {
        definitions: vec![file],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::StaleFixup { .. }), "{err:?}");
    assert!(
        text.contains("openshift-aggregated-apis")
            && text.contains("com.github.openshift.api.build.v1.Build"),
        "{text}"
    );
}

#[test]
fn stale_nullable_fixup_fails() {
    let dir = tempfile::tempdir().unwrap();
    // A MachineConfig CRD whose spec.extensions is already nullable: the fixup is stale.
    let crd = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: machineconfigs.machineconfiguration.openshift.io}
spec:
  group: machineconfiguration.openshift.io
  names: {kind: MachineConfig, plural: machineconfigs}
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              extensions: {type: array, nullable: true, items: {type: string}}
"#;
    write(dir.path(), "mc.yaml", crd);
    let (err, text) = load_err(Inputs {
        crds: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    });
    assert!(matches!(err, Error::StaleFixup { .. }), "{err:?}");
    assert!(text.contains("machineconfig-extensions-nullable"), "{text}");
}

#[test]
fn bad_schema_type_has_its_path() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "things.yaml",
        &CRD.replace("PLURAL", "things")
            .replace("SCOPE", "Cluster")
            .replace(
                "openAPIV3Schema: {type: object}",
                "openAPIV3Schema: {type: object, properties: {spec: {type: strang}}}",
            ),
    );
    let (_, text) = load_err(Inputs {
        crds: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    });
    assert!(
        text.contains("things.yaml")
            && text.contains("/spec/versions/0/schema/openAPIV3Schema/properties/spec/type")
            && text.contains("strang"),
        "{text}"
    );
}
