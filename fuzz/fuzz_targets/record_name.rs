//! Feeds arbitrary strings to `check_record_name` and asserts that an
//! accepted name only ever descends into the archive directory.
#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;
use wagather_contract::RecordFormat;
use wagather_contract::record::{MAX_NAME_BYTES, MAX_SEGMENT_BYTES, check_record_name};

fuzz_target!(|name: &str| {
    let Ok(name) = check_record_name(name, RecordFormat::Raw) else {
        return;
    };
    let name = name.as_str();
    assert!(
        Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_))),
        "{name:?}"
    );
    assert!(!name.ends_with('/') && !name.contains("//"), "{name:?}");
    assert!(
        !name.contains('\\') && !name.chars().any(char::is_control),
        "{name:?}"
    );
    assert!(name.len() <= MAX_NAME_BYTES);
    assert!(
        name.split('/')
            .all(|s| !s.is_empty() && s.len() <= MAX_SEGMENT_BYTES)
    );
});
