//! Writing a JSON record without `metadata.managedFields`.
//!
//! [`Gather::record_json`](crate::Gather::record_json) serializes a value with serde_json and
//! a [`Formatter`] that leaves the member out as it goes: nothing is decoded, scanned or copied
//! twice, and the record is the value's own serialization, byte for byte, minus that member.
//! Cutting the member out of finished bytes would take a second pass and a copy of every
//! record, and going through `serde_json::Value` a map built and dropped for every object; on
//! real objects, where `managedFields` is often a third or more of the bytes, leaving it
//! unwritten is also the cheapest way to drop it.
//!
//! serde_json sends every byte it writes through its formatter, in calls that follow the
//! value's structure (objects, keys, values, arrays), so the formatter knows where it is.
//! Keys are held back while it could be the one to drop: the formatter only knows which key it
//! is writing once the key is complete.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

/// `value` as compact JSON, without `metadata.managedFields` in it or in any element of its
/// top-level `items` array.
pub(crate) fn to_vec(value: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Cutter::default());
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// The member left out, as serde_json writes the key (no escapes in it, so it is literal).
const KEY: &[u8] = b"\"managedFields\"";

/// What an open object or array is, as far as the cut is concerned.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Role {
    /// The record itself, when it is an object: its `metadata` and `items` are looked into.
    Top,
    /// The top-level `items` array: its object elements are looked into.
    Items,
    /// An object element of `items`: its `metadata` is looked into.
    Item,
    /// A `metadata` object of the record or of an item: its `managedFields` is cut.
    Metadata,
    /// Anything else, written as it comes.
    Other,
}

impl Role {
    /// Whether the keys of an object with this role are held back until they are complete.
    fn watches_keys(self) -> bool {
        matches!(self, Role::Top | Role::Item | Role::Metadata)
    }
}

/// One open object or array.
#[derive(Debug)]
struct Frame {
    role: Role,
    /// The key whose value is being written (watched objects only).
    key: Key,
    /// Members written so far (watched objects only): a cut member must not leave a comma.
    written: usize,
}

/// The keys the cut cares about.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Key {
    Metadata,
    Items,
    Other,
}

/// Where output goes at the moment.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Sink {
    /// To the record.
    Out,
    /// Into the held-back key of a watched object.
    Key,
    /// Nowhere: inside the cut member, `depth` containers deep.
    Cut { depth: usize },
}

#[derive(Debug)]
struct Cutter {
    stack: Vec<Frame>,
    sink: Sink,
    /// The key being held back, with its quotes (escaped as written).
    key: Vec<u8>,
}

impl Default for Cutter {
    fn default() -> Self {
        Cutter {
            stack: Vec::with_capacity(8),
            sink: Sink::Out,
            key: Vec::with_capacity(32),
        }
    }
}

/// Forwards a formatter call to [`CompactFormatter`], into the record, the held-back key or
/// nowhere.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[inline]
        fn $name<W: ?Sized + Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()> {
            match self.sink {
                Sink::Out => CompactFormatter.$name(writer $(, $arg)*),
                Sink::Key => into_key(&mut self.key, |key| CompactFormatter.$name(key $(, $arg)*)),
                Sink::Cut { .. } => Ok(()),
            }
        }
    )*};
}

/// Writes into the held-back key: out of line, so that every serialized field does not carry
/// a second copy of the formatter's code for the rare case of being inside a key.
#[cold]
#[inline(never)]
fn into_key(
    key: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    write(key)
}

impl Cutter {
    /// The role of a container opened now: from its parent and the key it is the value of.
    fn child_role(&self, object: bool) -> Role {
        let Some(parent) = self.stack.last() else {
            return if object { Role::Top } else { Role::Other };
        };
        match (parent.role, parent.key, object) {
            (Role::Top | Role::Item, Key::Metadata, true) => Role::Metadata,
            (Role::Top, Key::Items, false) => Role::Items,
            (Role::Items, _, true) => Role::Item,
            _ => Role::Other,
        }
    }

    #[inline(never)]
    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, object: bool) -> io::Result<()> {
        if let Sink::Cut { depth } = &mut self.sink {
            *depth += 1;
            return Ok(());
        }
        let role = self.child_role(object);
        self.stack.push(Frame {
            role,
            key: Key::Other,
            written: 0,
        });
        writer.write_all(if object { b"{" } else { b"[" })
    }

    #[inline(never)]
    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, object: bool) -> io::Result<()> {
        if let Sink::Cut { depth } = &mut self.sink {
            *depth -= 1;
            return Ok(());
        }
        self.stack.pop();
        writer.write_all(if object { b"}" } else { b"]" })
    }

    /// A held-back key is complete: cut its member, or write it with the comma before it.
    #[inline(never)]
    fn key_done<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.sink = Sink::Out;
        let Some(frame) = self.stack.last_mut() else {
            return Ok(());
        };
        if frame.role == Role::Metadata && self.key == KEY {
            self.sink = Sink::Cut { depth: 0 };
            return Ok(());
        }
        frame.key = match (frame.role, self.key.as_slice()) {
            (Role::Top | Role::Item, b"\"metadata\"") => Key::Metadata,
            (Role::Top, b"\"items\"") => Key::Items,
            _ => Key::Other,
        };
        if frame.written > 0 {
            writer.write_all(b",")?;
        }
        frame.written += 1;
        writer.write_all(&self.key)
    }

    fn watching(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|frame| frame.role.watches_keys())
    }
}

impl Formatter for Cutter {
    forward! {
        write_null();
        write_bool(value: bool);
        write_i8(value: i8);
        write_i16(value: i16);
        write_i32(value: i32);
        write_i64(value: i64);
        write_i128(value: i128);
        write_u8(value: u8);
        write_u16(value: u16);
        write_u32(value: u32);
        write_u64(value: u64);
        write_u128(value: u128);
        write_f32(value: f32);
        write_f64(value: f64);
        write_number_str(value: &str);
        begin_string();
        end_string();
        write_string_fragment(fragment: &str);
        write_char_escape(char_escape: CharEscape);
        write_raw_fragment(fragment: &str);
        begin_array_value(first: bool);
    }

    #[inline]
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, false)
    }

    #[inline]
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, false)
    }

    #[inline]
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, true)
    }

    #[inline]
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, true)
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        match self.sink {
            Sink::Cut { .. } => Ok(()),
            _ if self.watching() => {
                // The comma, if any, is written with the key once it is known to stay.
                self.key.clear();
                self.sink = Sink::Key;
                Ok(())
            }
            _ => CompactFormatter.begin_object_key(writer, first),
        }
    }

    #[inline]
    fn end_object_key<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if self.sink == Sink::Key {
            self.key_done(writer)
        } else {
            Ok(())
        }
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        match self.sink {
            Sink::Cut { .. } => Ok(()),
            _ => CompactFormatter.begin_object_value(writer),
        }
    }

    #[inline]
    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        if self.sink == (Sink::Cut { depth: 0 }) {
            self.sink = Sink::Out;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// What the formatter must agree with: the same removal on a decoded value.
    fn reference(value: &Value) -> Value {
        let mut value = value.clone();
        fn from_object(value: &mut Value) {
            if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                metadata.remove("managedFields");
            }
        }
        from_object(&mut value);
        if let Some(items) = value.get_mut("items").and_then(Value::as_array_mut) {
            items.iter_mut().for_each(from_object);
        }
        value
    }

    fn stripped(value: &Value) -> Vec<u8> {
        to_vec(value).unwrap()
    }

    #[test]
    fn cuts_the_member_in_any_position() {
        for (input, output) in [
            (
                json!({"metadata": {"managedFields": [{"a": 1}], "name": "x"}}),
                r#"{"metadata":{"name":"x"}}"#,
            ),
            (
                json!({"metadata": {"name": "x", "managedFields": [], "uid": "u"}}),
                r#"{"metadata":{"name":"x","uid":"u"}}"#,
            ),
            (
                json!({"metadata": {"name": "x", "managedFields": {"}": "]"}}}),
                r#"{"metadata":{"name":"x"}}"#,
            ),
            (
                json!({"metadata": {"managedFields": "only"}}),
                r#"{"metadata":{}}"#,
            ),
        ] {
            assert_eq!(String::from_utf8(stripped(&input)).unwrap(), output);
        }
    }

    #[test]
    fn keeps_managed_fields_elsewhere() {
        let value = json!({
            "managedFields": 1,
            "spec": {"metadata": {"managedFields": 2}},
            "status": {"managedFields": "kept"},
            "items": [{"spec": {"managedFields": 3}}, "not an object", {"metadata": {"managedFields": 4}}],
            "metadata": {"labels": {"managedFields": "a label"}, "name": "x\"managedFields\""},
        });
        let out: Value = serde_json::from_slice(&stripped(&value)).unwrap();
        assert_eq!(out, reference(&value));
        assert_eq!(out["items"][2], json!({"metadata": {}}));
        assert_eq!(out["metadata"]["labels"]["managedFields"], "a label");
    }

    /// Typed objects from a real API server reply (a kube-system PodList, in which
    /// `managedFields` are about 40% of the bytes): each record is the pod's own serialization
    /// with `managedFields` unset, and so is the whole list's.
    #[test]
    fn real_pods_lose_only_their_managed_fields() {
        use k8s_openapi::api::core::v1::Pod;
        let replay: Value = serde_json::from_str(include_str!(
            "../../codegen/tests/data/real-objects/pod-list.json"
        ))
        .unwrap();
        let list: Value =
            serde_json::from_str(replay[0]["response_body"].as_str().unwrap()).unwrap();
        let pods: Vec<Pod> = serde_json::from_value(list["items"].clone()).unwrap();
        assert!(pods.len() > 1);
        let mut expected_items = Vec::new();
        for pod in &pods {
            assert!(
                pod.metadata
                    .managed_fields
                    .as_ref()
                    .is_some_and(|f| !f.is_empty())
            );
            let mut without = pod.clone();
            without.metadata.managed_fields = None;
            assert_eq!(to_vec(pod).unwrap(), serde_json::to_vec(&without).unwrap());
            expected_items.push(without);
        }
        let list = json!({"kind": "PodList", "items": pods, "metadata": {}});
        let expected = json!({"kind": "PodList", "items": expected_items, "metadata": {}});
        assert_eq!(
            to_vec(&list).unwrap(),
            serde_json::to_vec(&expected).unwrap()
        );
    }

    #[test]
    fn leaves_what_is_not_an_object_alone() {
        for value in [
            json!(["managedFields"]),
            json!("managedFields"),
            json!(null),
        ] {
            assert_eq!(stripped(&value), serde_json::to_vec(&value).unwrap());
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let key = prop_oneof![
            Just("metadata".to_owned()),
            Just("managedFields".to_owned()),
            Just("items".to_owned()),
            "[a-z\"\\\\{}\\[\\],:]{0,6}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z\"\\\\{}\\[\\],:]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// The record is byte for byte what serde_json writes for the value with the member
        /// removed from it.
        #[test]
        fn agrees_with_removing_from_the_decoded_value(value in json_value()) {
            let expected = serde_json::to_vec(&reference(&value)).unwrap();
            prop_assert_eq!(String::from_utf8(stripped(&value)).unwrap(),
                String::from_utf8(expected).unwrap());
        }
    }
}
