//! Dropping `metadata.managedFields` from a JSON record without decoding it.
//!
//! [`Gather::record_json`](crate::Gather::record_json) serializes a value straight to bytes
//! and then cuts `managedFields` out of them with one scan. Going through
//! `serde_json::Value` instead would build and drop a map for every object of the value,
//! which was a fifth of a typical gatherer's time inside the guest.
//!
//! The input is serde_json's compact output (no insignificant whitespace). Anything else,
//! or anything that does not look like an object, is left as it is.

use std::ops::Range;

/// Removes `metadata.managedFields` from `json` (an object) and from every element of its
/// top-level `items` array.
pub(crate) fn strip(json: &mut Vec<u8>) {
    if !json.windows(KEY.len()).any(|window| window == KEY) {
        return;
    }
    let mut scan = Scanner {
        bytes: json,
        pos: 0,
        cuts: Vec::new(),
    };
    if scan.object(Level::Top).is_none() || scan.cuts.is_empty() {
        return;
    }
    let cuts = std::mem::take(&mut scan.cuts);
    let mut kept = Vec::with_capacity(json.len());
    let mut from = 0;
    for cut in cuts {
        kept.extend_from_slice(&json[from..cut.start]);
        from = cut.end;
    }
    kept.extend_from_slice(&json[from..]);
    *json = kept;
}

const KEY: &[u8] = b"\"managedFields\"";

/// Which object the scanner is in, and so which members it looks into.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    /// The record itself: `metadata` and `items` are looked into.
    Top,
    /// An element of the record's `items`: only its `metadata`.
    Item,
    /// A `metadata` object: its `managedFields` member is cut.
    Metadata,
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Byte ranges to remove, in ascending order.
    cuts: Vec<Range<usize>>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// Past one string; returns the range of its contents (between the quotes).
    fn string(&mut self) -> Option<Range<usize>> {
        self.expect(b'"')?;
        let start = self.pos;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(start..self.pos - 1);
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    /// Past one value of any kind.
    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => {
                // Brackets inside strings are skipped with the strings.
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                while !matches!(self.peek()?, b',' | b'}' | b']') {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    /// Past one object, looking into the members `level` cares about.
    fn object(&mut self, level: Level) -> Option<()> {
        self.expect(b'{')?;
        if self.expect(b'}').is_some() {
            return Some(());
        }
        let mut first = true;
        loop {
            let member = self.pos;
            let key = self.string()?;
            let key = &self.bytes[key];
            self.expect(b':')?;
            match (level, key) {
                (Level::Top | Level::Item, b"metadata") if self.peek()? == b'{' => {
                    self.object(Level::Metadata)?;
                }
                (Level::Top, b"items") if self.peek()? == b'[' => self.items()?,
                (Level::Metadata, b"managedFields") => {
                    self.value()?;
                    let end = self.pos;
                    self.cut(member, end, first)?;
                }
                _ => self.value()?,
            }
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
            first = false;
        }
    }

    /// Past the `items` array, looking into each object element.
    fn items(&mut self) -> Option<()> {
        self.expect(b'[')?;
        if self.expect(b']').is_some() {
            return Some(());
        }
        loop {
            if self.peek()? == b'{' {
                self.object(Level::Item)?;
            } else {
                self.value()?;
            }
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Cuts the member `start..end` with one of the commas around it, so the object stays
    /// valid JSON: the one after it when there is one, else the one before it.
    fn cut(&mut self, start: usize, end: usize, first: bool) -> Option<()> {
        let range = match self.peek()? {
            b',' => start..end + 1,
            _ if !first => start - 1..end,
            _ => start..end,
        };
        self.cuts.push(range);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// What the byte scan must agree with: the same removal on a decoded value.
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
        let mut bytes = serde_json::to_vec(value).unwrap();
        strip(&mut bytes);
        bytes
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
        /// The scan removes exactly what the decoded removal does, and always leaves JSON.
        #[test]
        fn agrees_with_removing_from_the_decoded_value(value in json_value()) {
            let out: Value = serde_json::from_slice(&stripped(&value)).unwrap();
            prop_assert_eq!(out, reference(&value));
        }
    }
}
