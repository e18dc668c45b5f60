//! YAML as the Insights Operator writes it with `sigs.k8s.io/yaml` (go-yaml v2): block style,
//! two-space indentation, sequences at the indentation of their key, `{}` and `[]` for empty
//! collections, mapping keys in go-yaml's order, strings plain when they read back as
//! strings, double-quoted when they would read as something else, single-quoted when plain
//! style cannot hold them, and literal blocks when they span lines.

use std::cmp::Ordering;

use wagather_sdk::serde_json::{Map, Value};

/// The document for `value`, ending with a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// The value after `key:` or `- `: on the same line for scalars and empty collections.
fn inline_value(out: &mut String, value: &Value, level: usize, in_sequence: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(out, map, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            // A sequence in a mapping stays at the key's indentation; one in a sequence moves
            // in.
            sequence(out, items, if in_sequence { level + 2 } else { level });
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, level + 2));
            out.push('\n');
        }
    }
}

fn mapping(out: &mut String, map: &Map<String, Value>, level: usize) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| key_order(a, b));
    for key in keys {
        indent(out, level);
        out.push_str(&string(key, level + 2, true));
        out.push(':');
        inline_value(out, &map[key.as_str()], level, false);
    }
}

fn sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first member follows the dash; the others line up with it.
                out.push(' ');
                let mut first = String::new();
                mapping(&mut first, map, level + 2);
                out.push_str(first.trim_start_matches(' '));
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push(' ');
                let mut nested = String::new();
                sequence(&mut nested, inner, level + 2);
                out.push_str(nested.trim_start_matches(' '));
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other, level + 2));
                out.push('\n');
            }
        }
    }
}

fn scalar(value: &Value, level: usize) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => float(f),
            _ => n.to_string(),
        },
        Value::String(s) => string(s, level, false),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// go-yaml's float text (`strconv.FormatFloat(f, 'g', -1, 64)`, with `.inf` and `.nan`).
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".to_owned()
        } else {
            "-.inf".to_owned()
        };
    }
    let exponent = if f == 0.0 {
        0
    } else {
        f.abs().log10().floor() as i32
    };
    if (-4..21).contains(&exponent) {
        format!("{f}")
    } else {
        let text = format!("{f:e}");
        match text.split_once('e') {
            Some((m, e)) if e.starts_with('-') => format!("{m}e-{:02}", &e[1..]),
            Some((m, e)) => format!("{m}e+{e:0>2}"),
            None => text,
        }
    }
}

/// A string as go-yaml writes it.
fn string(s: &str, level: usize, key: bool) -> String {
    if s.contains('\n') && !key {
        return literal(s, level);
    }
    if resolves_to_other_than_string(s) {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// `|`, `|-` or `|+` with the lines indented at `level`.
fn literal(s: &str, level: usize) -> String {
    let chomp = if !s.ends_with('\n') {
        "-"
    } else if s.ends_with("\n\n") {
        "+"
    } else {
        ""
    };
    let indicator = if s.starts_with(' ') || s.starts_with('\n') {
        "2"
    } else {
        ""
    };
    let mut out = format!("|{indicator}{chomp}");
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', level));
            out.push_str(line);
        }
    }
    out
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether go-yaml v2 (YAML 1.1) reads `s` as a null, bool, number or timestamp.
fn resolves_to_other_than_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN", "<<",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    let plain = s.replace('_', "");
    let body = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    let is_int = !body.is_empty()
        && (body.bytes().all(|b| b.is_ascii_digit())
            || body
                .strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
            || body
                .strip_prefix("0b")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b == b'0' || b == b'1')));
    let is_float = body.parse::<f64>().is_ok()
        && body.bytes().any(|b| b.is_ascii_digit())
        && !body.contains(['i', 'n', 'I', 'N']);
    // Base-60 numbers (`1:30`) and dates read as numbers or timestamps too.
    let is_sexagesimal = body.contains(':')
        && body
            .split(':')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let is_date = s.len() >= 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[7] == b'-'
        && s[..4].bytes().all(|b| b.is_ascii_digit());
    is_int || is_float || is_sexagesimal || is_date
}

/// Whether go-yaml's emitter may write `s` as a plain scalar in block context.
fn plain_allowed(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with("---")
        || s.starts_with("...")
    {
        return false;
    }
    if matches!(b[0], b'-' | b'?' | b':') {
        // An indicator followed by a space or at the end cannot start a plain scalar.
        if b.len() == 1 || b[1] == b' ' {
            return false;
        }
    }
    if matches!(
        b[0],
        b',' | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    !s.chars()
        .any(|c| c == '\t' || (c as u32) < 0x20 || c == '\u{feff}')
}

/// go-yaml v2's key order (`keyList.Less`): runs of digits compare as numbers, and a
/// non-letter sorts before a letter.
pub fn key_order(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_style_as_go_yaml_writes_it() {
        let value = json!({
            "b": {"z": [], "a": {}},
            "a": [{"x": 1, "y": "two"}, "s", ["n1", "n2"]],
            "c": null, "d": "", "e": "true", "f": "10.0.0.0/16", "g": 23, "h": "a: b",
            "i": "line1\nline2\n", "j": 1.5,
        });
        // go-yaml v2 reads `y` as a boolean, so it quotes the key.
        assert_eq!(
            to_string(&value),
            "a:\n- x: 1\n  \"y\": two\n- s\n- - n1\n  - n2\nb:\n  a: {}\n  z: []\nc: null\nd: \"\"\ne: \"true\"\nf: 10.0.0.0/16\ng: 23\nh: 'a: b'\ni: |\n  line1\n  line2\nj: 1.5\n"
        );
    }

    #[test]
    fn keys_sort_as_go_yaml_sorts_them() {
        let mut keys = vec!["x10", "x9", "ab", "a_b", "aB", "a-b", "a"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, ["a", "a-b", "a_b", "aB", "ab", "x9", "x10"]);
    }
}
