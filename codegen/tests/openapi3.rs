//! The OpenAPI 3 loader: one document per group-version, `#/components/schemas` refs,
//! merged with Swagger input describing the same resources.

use wagather_codegen::Inputs;
use wagather_codegen::ir::{Gvk, TypeSource};

const CORE_V1: &str = r##"{
  "openapi": "3.0.0",
  "info": {"title": "Kubernetes", "version": "v1.35.0"},
  "paths": {
    "/api/v1/namespaces/{namespace}/pods": {
      "get": {"x-kubernetes-action": "list",
              "x-kubernetes-group-version-kind": {"group": "", "version": "v1", "kind": "Pod"},
              "responses": {"200": {"description": "OK", "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/io.k8s.api.core.v1.Pod"}}}}}}
    },
    "/api/v1/namespaces/{namespace}/pods/{name}/log": {
      "get": {"x-kubernetes-action": "get",
              "x-kubernetes-group-version-kind": {"group": "", "version": "v1", "kind": "Pod"}}
    }
  },
  "components": {"schemas": {
    "io.k8s.api.core.v1.Pod": {
      "type": "object",
      "properties": {"metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
                                  "description": "Standard object's metadata."}},
      "x-kubernetes-group-version-kind": [{"group": "", "kind": "Pod", "version": "v1"}]
    },
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object", "properties": {"name": {"type": "string"}}}
  }}
}"##;

#[test]
fn openapi3_directory_loads_and_merges_with_swagger() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api__v1_openapi.json"), CORE_V1).unwrap();
    let api = wagather_codegen::load(&Inputs {
        swagger: vec!["tests/fixtures/swagger.json".into()],
        openapi3: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    })
    .unwrap();
    let pod = &api.resources[&Gvk {
        group: String::new(),
        version: "v1".into(),
        kind: "Pod".into(),
    }];
    assert_eq!(pod.plural, "pods");
    assert!(pod.namespaced);
    assert!(pod.subresources.contains("log"));
    assert_eq!(
        pod.types,
        TypeSource::Definition("io.k8s.api.core.v1.Pod".into())
    );
    // The allOf-wrapped $ref is a plain reference with the outer description. (With the
    // Swagger input also given, its definition of Pod came first and is the one kept.)
    let api = wagather_codegen::load(&Inputs {
        openapi3: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    })
    .unwrap();
    let schema = &api.definitions["io.k8s.api.core.v1.Pod"];
    let wagather_codegen::schema::Ty::Object(object) = &schema.ty else {
        panic!("{schema:?}")
    };
    let metadata = &object.properties["metadata"];
    assert_eq!(
        metadata.ty,
        wagather_codegen::schema::Ty::Ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".into())
    );
    assert_eq!(
        metadata.description.as_deref(),
        Some("Standard object's metadata.")
    );
}

#[test]
fn openapi3_dangling_ref_names_file_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let broken = CORE_V1.replace(
        "\"schema\": {\"$ref\": \"#/components/schemas/io.k8s.api.core.v1.Pod\"}",
        "\"schema\": {\"$ref\": \"#/components/schemas/io.k8s.api.core.v1.Gone\"}",
    );
    std::fs::write(dir.path().join("api__v1_openapi.json"), broken).unwrap();
    let err = wagather_codegen::load(&Inputs {
        openapi3: vec![dir.path().to_path_buf()],
        ..Inputs::default()
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("api__v1_openapi.json"), "{err}");
    assert!(
        err.contains("/paths/~1api~1v1~1namespaces~1{namespace}~1pods/get/responses/200/content/application~1json/schema/$ref"),
        "{err}"
    );
}
