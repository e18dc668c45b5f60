//! A gatherer built for another contract version is refused before it runs, with a message
//! naming both versions.

use wagather_host::{GathererSpec, LoadStage, Outcome};

use crate::guests::{gather, runtime, start_sample_server, status};

#[test]
fn a_0_1_0_component_is_refused_naming_both_contracts() {
    let err = runtime()
        .load(std::path::Path::new(
            wagather_guests::TEST_GUEST_CONTRACT_V0_1,
        ))
        .unwrap_err();
    assert_eq!(err.stage, LoadStage::Manifest, "{err}");
    let text = err.to_string();
    assert!(text.contains("wagather:gatherer@0.1.0"), "{text}");
    assert!(text.contains("wagather:gatherer@0.2.0"), "{text}");
    assert!(text.contains("rebuild"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_gatherers_of_the_period_run() {
    let server = start_sample_server().await;
    let (_out, summary) = gather(
        &server.url(),
        &[
            GathererSpec::file(wagather_guests::TEST_GUEST_CONTRACT_V0_1),
            GathererSpec::file(wagather_guests::CLUSTER_OPERATORS),
        ],
        &Default::default(),
    )
    .await;
    server.shutdown().await;
    let old = &summary.reports[0];
    assert_eq!(old.name, "test_guest_contract_v0_1");
    assert!(
        matches!(&old.outcome, Outcome::NotRun { reason } if reason.contains("wagather:gatherer@0.1.0")),
        "{old:#?}"
    );
    assert_eq!(summary.reports[1].outcome, Outcome::Completed);
    assert_eq!(summary.reports[1].metrics.records, 31);
    let gathers = crate::guests::gathers_json(&crate::guests::read_archive(&summary.archive));
    assert_eq!(
        status(&gathers, "test_guest_contract_v0_1")["outcome"]["kind"],
        "not-run"
    );
}
