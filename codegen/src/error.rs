//! Errors of the code generator. Every input error names the file and, where
//! it applies, the JSON path (`/definitions/Foo/properties/bar`) inside it.

use std::path::PathBuf;

/// Something in the inputs or the output directory was wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON or YAML.
    #[error("{path}: cannot parse as {format}: {message}")]
    Parse {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    /// The document parsed but is not the kind of spec the loader expects.
    #[error("{path}: unknown format: {message}")]
    UnknownFormat { path: PathBuf, message: String },
    /// A value has the wrong shape (for example a `properties` that is not an object).
    #[error("{path} at {pointer}: {message}")]
    Invalid {
        path: PathBuf,
        pointer: String,
        message: String,
    },
    /// A `$ref` names a definition that no input provides.
    #[error("{path} at {pointer}: dangling $ref {target:?}")]
    DanglingRef {
        path: PathBuf,
        pointer: String,
        target: String,
    },
    /// Two inputs (or two places in one input) define the same group/version/kind differently.
    #[error("conflicting definitions of {gvk}: {first} vs {second}")]
    Conflict {
        gvk: String,
        first: String,
        second: String,
    },
    /// The same kind is defined twice in a way that cannot be merged.
    #[error("duplicate kind {gvk}: defined in {first} and again in {second}")]
    DuplicateKind {
        gvk: String,
        first: String,
        second: String,
    },
    /// A named fixup no longer matches its input: the upstream bug was fixed or moved,
    /// so the fixup must be removed or updated.
    #[error("stale fixup {name}: {message}")]
    StaleFixup { name: &'static str, message: String },
}

impl Error {
    pub(crate) fn invalid(
        path: impl Into<PathBuf>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            path: path.into(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// Escapes one JSON pointer segment (RFC 6901) so paths with `/` or `~` stay unambiguous.
pub(crate) fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
