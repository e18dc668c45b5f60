//! Record names: how a record's name becomes a path inside the archive, and which names are
//! refused.
//!
//! A record's archive path ends up on someone's disk when the archive is extracted, so it is
//! checked like one: relative, no empty, `.` or `..` segments, no backslashes or control
//! characters, bounded lengths, and never a path the host writes itself. The SDK checks a name
//! before the record leaves the guest (so the author gets the error where the record is made)
//! and the host checks it again when it arrives (a guest need not use the SDK).

/// Longest archive path of a record, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;
/// Longest segment of an archive path, in bytes (`NAME_MAX` on common file systems).
pub const MAX_SEGMENT_BYTES: usize = 255;
/// The archive path of the run metadata the host writes.
pub const GATHERS_JSON: &str = "insights-operator/gathers.json";
/// Archive paths the host writes itself; no record may take them.
pub const RESERVED_PATHS: &[&str] = &[GATHERS_JSON];

/// How a record is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordFormat {
    /// JSON; the archive path is the name plus `.json`.
    Json,
    /// Bytes as given, under the name as given.
    Raw,
}

/// One file of the archive: what a gatherer wrote, as a unit test (SDK) or a caller collecting
/// records (host) sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Relative archive path, without the `.json` of JSON records.
    pub name: String,
    /// How the archive names it.
    pub format: RecordFormat,
    /// The contents.
    pub data: Vec<u8>,
}

impl Record {
    /// The path the record is archived under.
    pub fn archive_path(&self) -> String {
        archive_path(&self.name, self.format)
    }
}

/// Why a record name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordNameError {
    #[error("the record name is empty")]
    Empty,
    #[error("the record name is {len} bytes long; at most {MAX_NAME_BYTES} are allowed")]
    TooLong { len: usize },
    #[error("the record name {name:?} is absolute: it must be relative to the archive")]
    Absolute { name: String },
    #[error("the record name {name:?} ends with /: it must name a file")]
    TrailingSlash { name: String },
    #[error("the record name {name:?} has an empty segment (//)")]
    EmptySegment { name: String },
    #[error(
        "the record name {name:?} has a {segment} segment: names cannot leave or repeat a folder"
    )]
    DotSegment { name: String, segment: String },
    #[error(
        "the record name {name:?} has a segment of {len} bytes; at most {MAX_SEGMENT_BYTES} are allowed"
    )]
    SegmentTooLong { name: String, len: usize },
    #[error("the record name {name:?} contains a backslash")]
    Backslash { name: String },
    #[error("the record name {name:?} contains a control character")]
    ControlCharacter { name: String },
    #[error("the record name {name:?} ends with .json: JSON records are named without it")]
    JsonExtension { name: String },
    #[error("the archive path {name:?} is reserved for the host's own metadata")]
    Reserved { name: String },
}

/// The archive path of a record: `name`, plus `.json` for JSON records.
pub fn archive_path(name: &str, format: RecordFormat) -> String {
    match format {
        RecordFormat::Json => format!("{name}.json"),
        RecordFormat::Raw => name.to_owned(),
    }
}

/// Checks a record's name and returns its archive path: the name and the path (which `.json`
/// can push past the length limits) follow the path rules, a JSON record's name does not end
/// with `.json` already, and the path is not [reserved](RESERVED_PATHS).
pub fn check_record_name(name: &str, format: RecordFormat) -> Result<String, RecordNameError> {
    check_path(name)?;
    if format == RecordFormat::Json && name.ends_with(".json") {
        return Err(RecordNameError::JsonExtension { name: shown(name) });
    }
    let path = archive_path(name, format);
    check_path(&path)?;
    if RESERVED_PATHS.contains(&path.as_str()) {
        return Err(RecordNameError::Reserved { name: path });
    }
    Ok(path)
}

/// The path rules, on one name or path.
fn check_path(name: &str) -> Result<(), RecordNameError> {
    if name.is_empty() {
        return Err(RecordNameError::Empty);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(RecordNameError::TooLong { len: name.len() });
    }
    if name.chars().any(char::is_control) {
        return Err(RecordNameError::ControlCharacter { name: shown(name) });
    }
    if name.contains('\\') {
        return Err(RecordNameError::Backslash { name: shown(name) });
    }
    if name.starts_with('/') {
        return Err(RecordNameError::Absolute { name: shown(name) });
    }
    if name.ends_with('/') {
        return Err(RecordNameError::TrailingSlash { name: shown(name) });
    }
    for segment in name.split('/') {
        match segment {
            "" => return Err(RecordNameError::EmptySegment { name: shown(name) }),
            "." | ".." => {
                return Err(RecordNameError::DotSegment {
                    name: shown(name),
                    segment: segment.to_owned(),
                });
            }
            s if s.len() > MAX_SEGMENT_BYTES => {
                return Err(RecordNameError::SegmentTooLong {
                    name: shown(name),
                    len: s.len(),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Shortens a guest-supplied name for messages; control characters are escaped by the `{:?}`
/// formatting of the errors.
fn shown(name: &str) -> String {
    const MAX: usize = 120;
    if name.len() <= MAX {
        return name.to_owned();
    }
    let mut end = MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &name[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_map_to_their_paths() {
        for (name, format, path) in [
            (
                "config/clusteroperator/dns",
                RecordFormat::Json,
                "config/clusteroperator/dns.json",
            ),
            ("config/id", RecordFormat::Raw, "config/id"),
            (
                "config/pod/ns/logs/pod-1/container.log",
                RecordFormat::Raw,
                "config/pod/ns/logs/pod-1/container.log",
            ),
            (
                "weird..but.valid/x",
                RecordFormat::Raw,
                "weird..but.valid/x",
            ),
            ("raw.json", RecordFormat::Raw, "raw.json"),
            (
                "insights-operator/gathers",
                RecordFormat::Raw,
                "insights-operator/gathers",
            ),
        ] {
            assert_eq!(check_record_name(name, format).as_deref(), Ok(path));
        }
    }

    #[test]
    fn bad_names_say_why() {
        let long_segment = "x".repeat(MAX_SEGMENT_BYTES + 1);
        let almost = "y".repeat(MAX_SEGMENT_BYTES - 2);
        for (name, format, needle) in [
            ("", RecordFormat::Raw, "empty"),
            ("/etc/passwd", RecordFormat::Raw, "absolute"),
            ("a/../../etc", RecordFormat::Raw, ".. segment"),
            ("..", RecordFormat::Raw, ".. segment"),
            ("a/./b", RecordFormat::Raw, ". segment"),
            ("a//b", RecordFormat::Raw, "empty segment"),
            ("a/", RecordFormat::Raw, "ends with /"),
            ("a\\b", RecordFormat::Raw, "backslash"),
            ("a\0b", RecordFormat::Raw, "control"),
            ("a\nb", RecordFormat::Raw, "control"),
            (&long_segment, RecordFormat::Raw, "segment of 256 bytes"),
            // The name fits, the path with ".json" does not.
            (&almost, RecordFormat::Json, "segment of 258 bytes"),
            ("a.json", RecordFormat::Json, "ends with .json"),
            ("insights-operator/gathers", RecordFormat::Json, "reserved"),
            (
                "insights-operator/gathers.json",
                RecordFormat::Raw,
                "reserved",
            ),
        ] {
            let err = check_record_name(name, format).unwrap_err();
            assert!(err.to_string().contains(needle), "{name:?}: {err}");
        }
        let huge = "a/".repeat(MAX_NAME_BYTES);
        assert!(matches!(
            check_record_name(&huge, RecordFormat::Raw),
            Err(RecordNameError::TooLong { .. })
        ));
    }

    #[test]
    fn long_names_are_shortened_in_messages() {
        let name = format!("{}/..", "é".repeat(200));
        let text = check_record_name(&name, RecordFormat::Raw)
            .unwrap_err()
            .to_string();
        assert!(text.contains("...") && text.len() < 300, "{text}");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn names() -> impl Strategy<Value = String> {
        let segment = prop_oneof![
            6 => "[a-zA-Z0-9_.-]{1,12}",
            1 => Just("..".to_owned()),
            1 => Just(".".to_owned()),
            1 => Just(String::new()),
            1 => "[\\\\\u{0}\n\t/é]{1,3}",
            1 => "x{250,260}",
        ];
        (
            prop::option::of(Just("/")),
            prop::collection::vec(segment, 1..6),
        )
            .prop_map(|(lead, segs)| format!("{}{}", lead.unwrap_or(""), segs.join("/")))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// An accepted name yields a path that stays inside the archive wherever it is
        /// extracted, and that no other accepted record can spell differently.
        #[test]
        fn accepted_paths_stay_inside_the_archive(
            name in names(),
            json in any::<bool>(),
        ) {
            let format = if json { RecordFormat::Json } else { RecordFormat::Raw };
            let Ok(path) = check_record_name(&name, format) else { return Ok(()); };
            prop_assert_eq!(&path, &archive_path(&name, format));
            prop_assert!(!path.starts_with('/') && !path.ends_with('/'), "{path}");
            prop_assert!(path.len() <= MAX_NAME_BYTES);
            prop_assert!(!path.contains('\\') && !path.chars().any(char::is_control), "{path:?}");
            for segment in path.split('/') {
                prop_assert!(!segment.is_empty() && segment != "." && segment != "..", "{path}");
                prop_assert!(segment.len() <= MAX_SEGMENT_BYTES);
            }
            prop_assert!(!RESERVED_PATHS.contains(&path.as_str()));
            // Joining onto a directory never climbs out of it.
            let joined = std::path::Path::new("/archive").join(&path);
            prop_assert!(joined.starts_with("/archive"));
            prop_assert!(joined.components().all(|c| !matches!(c, std::path::Component::ParentDir)));
        }
    }
}
