//! JSON written the way Go's `encoding/json` writes it.
//!
//! Gatherers that reproduce what a Go program archives (the Insights Operator marshals every
//! record with `json.Marshal`) need more than valid JSON: the same bytes, so that a digest, a
//! size or a diff of the archive does not change with the language of the gatherer. serde_json
//! and Go agree on almost everything; [`to_vec`] writes the rest Go's way:
//!
//! - `<`, `>` and `&` in strings become `\u003c`, `\u003e` and `\u0026`, and U+2028 and U+2029
//!   become `\u2028` and `\u2029` (Go escapes them so that JSON can be embedded in HTML and
//!   JavaScript);
//! - floating-point numbers are written as Go's `strconv.FormatFloat(f, 'f' or 'e', -1, 64)`
//!   does: `1` rather than `1.0`, `1e+21` rather than `1e21`, `1e-7`.
//!
//! Key order is the value's own: `serde_json::Value` and `BTreeMap` objects come out with
//! sorted keys, which is how Go writes maps and unstructured objects, and a struct comes out
//! in field order, which is how Go writes structs.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// `value` as compact JSON, escaped and with numbers as Go's `json.Marshal` writes them.
pub fn to_vec(value: &(impl Serialize + ?Sized)) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// `value` as a String of compact JSON, as [`to_vec`] writes it.
pub fn to_string(value: &(impl Serialize + ?Sized)) -> serde_json::Result<String> {
    // Only valid UTF-8 (serde_json's output, with ASCII escapes spliced in) is written.
    to_vec(value).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// serde_json's compact formatter with Go's string escapes and float format.
#[derive(Clone, Copy, Debug, Default)]
pub struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let escape: Option<(&[u8], usize)> = match bytes[i] {
                b'<' => Some((b"\\u003c", 1)),
                b'>' => Some((b"\\u003e", 1)),
                b'&' => Some((b"\\u0026", 1)),
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                    Some(0xA8) => Some((b"\\u2028", 3)),
                    Some(0xA9) => Some((b"\\u2029", 3)),
                    _ => None,
                },
                _ => None,
            };
            match escape {
                Some((text, len)) => {
                    writer.write_all(&bytes[start..i])?;
                    writer.write_all(text)?;
                    i += len;
                    start = i;
                }
                None => i += 1,
            }
        }
        writer.write_all(&bytes[start..])
    }

    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(format_float(value).as_bytes())
    }

    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        writer.write_all(format_float(f64::from(value)).as_bytes())
    }

    fn write_number_str<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        value: &str,
    ) -> io::Result<()> {
        CompactFormatter.write_number_str(writer, value)
    }
}

/// A finite float as Go's encoder writes it: the shortest text that reads back as the same
/// number, in plain notation for magnitudes in [1e-6, 1e21) and in exponent notation with a
/// signed exponent of at least one digit otherwise.
fn format_float(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-6..1e21).contains(&magnitude) {
        // Rust writes `1e21`, `1.5e-7`; Go writes `1e+21`, `1.5e-07`, then drops the zero.
        let text = format!("{value:e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) if !exponent.starts_with('-') => {
                format!("{mantissa}e+{exponent}")
            }
            _ => text,
        }
    } else {
        // Rust's Display is the shortest round-trip text, never in exponent notation; an
        // integral value has no fraction, as in Go.
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn go(value: &serde_json::Value) -> String {
        String::from_utf8(to_vec(value).unwrap()).unwrap()
    }

    #[test]
    fn escapes_what_go_escapes_in_strings_and_keys() {
        // Outputs of Go 1.24 `json.Marshal` for the same values.
        assert_eq!(
            go(&json!({"a<b": "x > y && z", "q": "\"\\\n\t\u{1}", "ls": "a\u{2028}b\u{2029}"})),
            r#"{"a\u003cb":"x \u003e y \u0026\u0026 z","ls":"a\u2028b\u2029","q":"\"\\\n\t\u0001"}"#
        );
        // Other non-ASCII text is written as is.
        assert_eq!(go(&json!("café ☃ \u{2027}")), "\"café ☃ \u{2027}\"");
    }

    #[test]
    fn numbers_are_written_as_go_writes_them() {
        for (value, text) in [
            (json!(1.0), "1"),
            (json!(0.5), "0.5"),
            (json!(-2.25), "-2.25"),
            (json!(1e21), "1e+21"),
            (json!(1.5e300), "1.5e+300"),
            (json!(1e20), "100000000000000000000"),
            (json!(0.000001), "0.000001"),
            (json!(1e-7), "1e-7"),
            (json!(-3.5e-10), "-3.5e-10"),
            (json!(0.0), "0"),
            (json!(12), "12"),
            (json!(-7), "-7"),
            (json!(u64::MAX), "18446744073709551615"),
        ] {
            assert_eq!(go(&value), text, "{value}");
        }
    }

    #[test]
    fn structure_and_key_order_are_serde_json_compact() {
        let value = json!({"b": [1, {"d": null, "c": true}], "a": {}});
        assert_eq!(go(&value), r#"{"a":{},"b":[1,{"c":true,"d":null}]}"#);
        assert_eq!(go(&value), serde_json::to_string(&value).unwrap());
    }
}
