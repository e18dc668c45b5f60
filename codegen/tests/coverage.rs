//! Coverage of the bundled specs: every listable group-version-kind gets a type and an
//! accessor. Run with `--nocapture` to see the report (also `wagather-codegen --coverage`).

use wagather_codegen::ir::InputKind;
use wagather_codegen::{Inputs, Mode};

#[test]
fn bundled_specs_are_fully_covered() {
    let inputs = Inputs {
        swagger: vec!["specs/kubernetes-swagger.json".into()],
        openapi3: vec![],
        definitions: vec!["specs/openshift-openapi.json".into()],
        crds: vec!["specs/openshift-crds".into()],
    };
    let api = wagather_codegen::load(&inputs).unwrap();
    let generated = wagather_codegen::emit::generate(&api, Mode::Sdk).unwrap();
    let report = wagather_codegen::coverage(&api, &generated);
    eprintln!("{report}");
    let count = |input| api.listable_by_input.get(&input).map_or(0, |s| s.len());
    // Kubernetes 1.35 has 83 listable GVKs; openshift/api's CRDs serve 113.
    assert_eq!(count(InputKind::Swagger), 83);
    assert_eq!(count(InputKind::Crd), 113);
    assert_eq!(
        count(InputKind::Definitions),
        wagather_codegen::fixups::AGGREGATED_APIS.len()
    );
    assert!(generated.skipped.is_empty(), "{report}");
    for listable in api.listable_by_input.values() {
        assert!(listable.is_subset(&generated.generated), "{report}");
    }
}
