//! Records in Go's JSON encoding: objects as a Go program archives them.
//!
//! [`Gather::record_json`] serializes any value with serde_json. The methods here write what a
//! Go program such as the Insights Operator writes for the same data, so that a port writes
//! the same bytes:
//!
//! - [`Gather::record_object`]: an [`Object`] without `metadata.managedFields`, like the
//!   Insights Operator's `ResourceMarshaller`;
//! - [`Gather::record_go_json`]: any value, nothing dropped, like its `JSONMarshaller`
//!   (`json.Marshal`).
//!
//! Both escape `<`, `>` and `&` as Go does ([`crate::go_json`]).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::gather::Gather;
use crate::object::Object;

impl Gather {
    /// Adds `object` as a JSON record named `name`, without `metadata.managedFields`, in Go's
    /// JSON encoding (sorted keys).
    pub fn record_object(&mut self, name: impl Into<String>, object: &Object) -> Result<()> {
        let name = name.into();
        let data = match object.get(&["metadata", "managedFields"]) {
            None => crate::go_json::to_vec(object),
            Some(_) => {
                let mut trimmed = object.clone();
                trimmed.remove_managed_fields();
                crate::go_json::to_vec(&trimmed)
            }
        };
        let data = data.map_err(|source| Error::Encode {
            what: format!("record {name:?}"),
            source,
        })?;
        self.record_encoded_json(name, data)
    }

    /// Adds `value` as a JSON record named `name` in Go's JSON encoding, with nothing left out
    /// (`metadata.managedFields` included). Structs are written in field order and maps with
    /// sorted keys, as Go writes them.
    pub fn record_go_json(
        &mut self,
        name: impl Into<String>,
        value: &(impl Serialize + ?Sized),
    ) -> Result<()> {
        let name = name.into();
        let data = crate::go_json::to_vec(value).map_err(|source| Error::Encode {
            what: format!("record {name:?}"),
            source,
        })?;
        self.record_encoded_json(name, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gather::RecordFormat;
    use serde_json::json;

    fn object(value: serde_json::Value) -> Object {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn objects_lose_managed_fields_and_are_escaped_like_go() {
        let mut gather = Gather::default();
        let obj = object(json!({
            "metadata": {"name": "a", "managedFields": [{"manager": "m"}],
                         "annotations": {"html": "<b>&</b>"}},
            "kind": "K",
            "spec": {"x": 1.0},
        }));
        gather.record_object("config/a", &obj).unwrap();
        let record = &gather.records()[0];
        assert_eq!(record.format, RecordFormat::Json);
        assert_eq!(record.archive_path(), "config/a.json");
        assert_eq!(
            String::from_utf8(record.data.clone()).unwrap(),
            r#"{"kind":"K","metadata":{"annotations":{"html":"\u003cb\u003e\u0026\u003c/b\u003e"},"name":"a"},"spec":{"x":1}}"#
        );
    }

    #[test]
    fn go_json_records_keep_everything() {
        #[derive(Serialize)]
        struct Shape {
            zeta: &'static str,
            alpha: serde_json::Value,
        }
        let mut gather = Gather::default();
        let value = Shape {
            zeta: "a&b",
            alpha: json!({"metadata": {"managedFields": [1]}}),
        };
        gather.record_go_json("x", &value).unwrap();
        assert_eq!(
            String::from_utf8(gather.records()[0].data.clone()).unwrap(),
            r#"{"zeta":"a\u0026b","alpha":{"metadata":{"managedFields":[1]}}}"#
        );
    }
}
