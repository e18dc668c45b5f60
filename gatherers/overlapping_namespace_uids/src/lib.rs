//! `clusterconfig/overlapping_namespace_uids`: the sets of namespaces whose UID ranges
//! overlap.
//!
//! IO (`gather_namespaces_with_overlapping_uids.go`) lists the namespaces and reads each one's
//! annotation `openshift.io/sa.scc.uid-range` (`<first>/<length>`); a namespace without a
//! readable range is reported and left out. Two ranges overlap when either one's end
//! (`first + length`) falls inside the other (after its start, at most its end). A pair joins
//! the first set whose every member overlaps both, else starts a new set. The record
//! `config/namespaces_with_overlapping_uids.json` is the sets' names, `[]` when there are
//! none.
//!
//! IO writes the names of a set in Go's map order, which varies; here they are sorted.

use wagather_sdk::apis::core_v1;
use wagather_sdk::prelude::*;

/// A namespace's UID range.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Range {
    start: i64,
    length: i64,
}

impl Range {
    /// `uidRange.IsOverlappingWith`.
    fn overlaps(self, other: Range) -> bool {
        let u = self.start + self.length;
        let r = other.start + other.length;
        (u > other.start && u <= r) || (r > self.start && r <= u)
    }
}

/// Records `config/namespaces_with_overlapping_uids`.
#[gatherer(name = "clusterconfig/overlapping_namespace_uids", reads = ["v1/namespaces"])]
pub fn gather(ctx: &mut Gather) -> Result<()> {
    let namespaces = core_v1::namespaces().list_objects(&ListParams::default())?;
    let mut ranged: Vec<(String, Range)> = Vec::new();
    for namespace in &namespaces {
        let text = namespace
            .annotations()
            .and_then(|a| a.get("openshift.io/sa.scc.uid-range"))
            .and_then(|v| v.as_str())
            .unwrap_or("");
        match parse(text) {
            Some(range) => ranged.push((namespace.name().to_owned(), range)),
            None => ctx.error(format!(
                "can't read uid range of the {} namespace",
                namespace.name()
            )),
        }
    }
    let mut sets: Vec<Vec<(String, Range)>> = Vec::new();
    for (i, (n1, r1)) in ranged.iter().enumerate() {
        for (n2, r2) in &ranged[i + 1..] {
            if !r1.overlaps(*r2) {
                continue;
            }
            let existing = sets
                .iter_mut()
                .find(|set| set.iter().all(|(_, r)| r1.overlaps(*r) && r2.overlaps(*r)));
            match existing {
                Some(set) => {
                    for member in [(n1, r1), (n2, r2)] {
                        if !set.iter().any(|(n, _)| n == member.0) {
                            set.push((member.0.clone(), *member.1));
                        }
                    }
                }
                None => sets.push(vec![(n1.clone(), *r1), (n2.clone(), *r2)]),
            }
        }
    }
    let names: Vec<Vec<String>> = sets
        .into_iter()
        .map(|set| {
            let mut names: Vec<String> = set.into_iter().map(|(n, _)| n).collect();
            names.sort();
            names
        })
        .collect();
    ctx.record_go_json("config/namespaces_with_overlapping_uids", &names)
}

/// `uidStringToRange`.
fn parse(text: &str) -> Option<Range> {
    let (start, length) = text.split_once('/')?;
    let length = length.split('/').next()?;
    Some(Range {
        start: start.parse().ok()?,
        length: length.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use insights_common::testing::{Server, assert_matches_sample, record_json, sample};
    use serde_json::json;

    fn namespace(name: &str, range: Option<&str>) -> serde_json::Value {
        match range {
            Some(r) => {
                json!({"metadata": {"name": name, "annotations": {"openshift.io/sa.scc.uid-range": r}}})
            }
            None => json!({"metadata": {"name": name}}),
        }
    }

    #[test]
    fn writes_the_sample_sets() {
        // Namespaces whose ranges give the sample's three sets: each set shares one range.
        let sets = sample("config/namespaces_with_overlapping_uids.json");
        let mut namespaces = vec![namespace("alone", Some("1000000000/10000"))];
        for (i, set) in sets.as_array().unwrap().iter().enumerate() {
            for name in set.as_array().unwrap() {
                namespaces.push(namespace(
                    name.as_str().unwrap(),
                    Some(&format!("{}/10000", 1_000_010_000 + i * 10_000)),
                ));
            }
        }
        let server = Server::new();
        server.list("/api/v1/namespaces", "v1", "Namespace", &namespaces);
        let output = server.run(crate::__wagather_run, &[]);
        assert!(output.errors.is_empty(), "{:?}", output.errors);
        assert_matches_sample(&output, "config/namespaces_with_overlapping_uids.json");
        server.assert_reads(crate::__WAGATHER_MANIFEST);
    }

    #[test]
    fn overlaps_follow_io_and_missing_ranges_are_reported() {
        let server = Server::new();
        server.list(
            "/api/v1/namespaces",
            "v1",
            "Namespace",
            &[
                namespace("a", Some("100/10")),
                namespace("b", Some("105/10")),
                namespace("c", Some("110/10")),
                namespace("d", None),
                namespace("e", Some("bad")),
            ],
        );
        let output = server.run(crate::__wagather_run, &[]);
        assert_eq!(output.errors.len(), 2);
        // a overlaps b, b overlaps c, a and c only touch (a ends where c starts).
        assert_eq!(
            record_json(&output, "config/namespaces_with_overlapping_uids.json"),
            json!([["a", "b"], ["b", "c"]])
        );
    }
}
