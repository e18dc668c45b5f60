//! The Insights Operator's anonymizers (`pkg/utils/anonymize`).
//!
//! Both keep the length of what they hide and are idempotent, which is what lets a port be
//! checked against archives the operator already anonymized.

use serde_json::Value;
use wagather_sdk::Object;

/// `anonymize.String`: one `x` per byte of `s` (Go's `len` counts bytes).
pub fn x(s: &str) -> String {
    "x".repeat(s.len())
}

/// `anonymize.URL`: every character but `.`, `-`, `/` and `:` becomes `x` (one per character).
pub fn url(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '.' | '-' | '/' | ':') {
                c
            } else {
                'x'
            }
        })
        .collect()
}

/// `anonymize.URLCSV`: [`url`] on each comma-separated part.
pub fn url_csv(s: &str) -> String {
    s.split(',').map(url).collect::<Vec<_>>().join(",")
}

/// `anonymize.UnstructuredNestedStringField`: the value at `path` becomes [`x`] of itself; a
/// value that is not a string becomes `""`, as in Go. Fails, changing nothing, when the path
/// is missing or leads through something that is not an object.
pub fn nested_string(object: &mut Object, path: &[&str]) -> Result<(), String> {
    match object.get_mut(path) {
        Some(value) => {
            let hidden = x(value.as_str().unwrap_or(""));
            *value = Value::String(hidden);
            Ok(())
        }
        None => Err(format!("unable to find field '[{}]'", path.join(" "))),
    }
}

/// `anonymize.SensitiveEnvVars`: in every container of `containers`, the value of each
/// environment variable whose name contains `HTTP_PROXY` or `HTTPS_PROXY` becomes [`x`].
pub fn sensitive_env_vars(containers: Option<&mut Value>) {
    let Some(Value::Array(containers)) = containers else {
        return;
    };
    for container in containers {
        let Some(Value::Array(env)) = container.get_mut("env") else {
            continue;
        };
        for var in env {
            let sensitive = var
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.contains("HTTP_PROXY") || n.contains("HTTPS_PROXY"));
            if sensitive && let Some(value) = var.get_mut("value") {
                // Go's field is a plain string: a missing value is "", which stays "" (and
                // omitempty keeps it out); a present one keeps its length.
                let hidden = x(value.as_str().unwrap_or(""));
                *value = Value::String(hidden);
            }
        }
    }
}

/// `[]byte(anonymize.String(string(b)))` on a `[]byte` field, which JSON carries as base64:
/// the base64 of as many `x`s as `encoded` decodes to bytes. `None` when `encoded` is not
/// standard base64 (Go would not have decoded the object).
pub fn x_base64(encoded: &str) -> Option<String> {
    // Go's decoder skips line breaks inside base64.
    let text: Vec<u8> = encoded
        .bytes()
        .filter(|b| *b != b'\r' && *b != b'\n')
        .collect();
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let padding = text.iter().rev().take_while(|b| **b == b'=').count();
    let valid = |b: &u8| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/';
    if padding > 2 || !text[..text.len() - padding].iter().all(valid) {
        return None;
    }
    let decoded_len = text.len() / 4 * 3 - padding;
    Some(base64(&vec![b'x'; decoded_len]))
}

/// `anonymizeMutatingWebhookConfiguration` and `anonymizeValidatingWebhookConfiguration`
/// (one rule): every webhook's `clientConfig.caBundle` replaced by [`x_base64`] of it; an
/// empty or undecodable bundle is left out, as Go omits an empty `[]byte`.
pub fn webhook_ca_bundles(configuration: &mut Object) {
    let Some(Value::Array(webhooks)) = configuration.get_mut(&["webhooks"]) else {
        return;
    };
    for webhook in webhooks {
        let Some(Value::Object(client)) = webhook.get_mut("clientConfig") else {
            continue;
        };
        let hidden = client
            .get("caBundle")
            .and_then(Value::as_str)
            .and_then(x_base64)
            .filter(|b| !b.is_empty());
        match hidden {
            Some(bundle) => {
                client.insert("caBundle".to_owned(), Value::String(bundle));
            }
            None => {
                client.remove("caBundle");
            }
        }
    }
}

/// Standard base64 with padding, as Go's `encoding/json` writes a `[]byte`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn x_counts_bytes_and_url_keeps_separators() {
        assert_eq!(x("abc"), "xxx");
        assert_eq!(x("é"), "xx");
        assert_eq!(x(""), "");
        assert_eq!(
            url("http://proxy.example.com:3128/a-b"),
            "xxxx://xxxxx.xxxxxxx.xxx:xxxx/x-x"
        );
        assert_eq!(url("é"), "x");
        assert_eq!(url_csv("a.b,c:d,"), "x.x,x:x,");
        assert_eq!(url(&url("https://x.y")), url("https://x.y"));
    }

    #[test]
    fn nested_strings_are_hidden_where_they_are() {
        let mut obj: Object = serde_json::from_value(json!({
            "spec": {"providerID": "aws:///us-east-2a/i-0", "n": 5, "list": ["a"]}
        }))
        .unwrap();
        nested_string(&mut obj, &["spec", "providerID"]).unwrap();
        nested_string(&mut obj, &["spec", "n"]).unwrap();
        assert!(nested_string(&mut obj, &["spec", "missing"]).is_err());
        assert!(nested_string(&mut obj, &["spec", "list", "0"]).is_err());
        assert_eq!(
            obj.into_value(),
            json!({"spec": {"providerID": "xxxxxxxxxxxxxxxxxxxxx", "n": "", "list": ["a"]}})
        );
    }

    #[test]
    fn base64_bytes_are_hidden_by_their_decoded_length() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // "hello" is 5 bytes: five x's.
        assert_eq!(x_base64("aGVsbG8="), Some(base64(b"xxxxx")));
        assert_eq!(x_base64("eHh4eHg="), Some("eHh4eHg=".to_owned()));
        assert_eq!(x_base64("aGVs\nbG8="), Some(base64(b"xxxxx")));
        assert_eq!(x_base64("abc"), None);
        assert_eq!(x_base64("a*c="), None);
    }

    #[test]
    fn only_proxy_variables_are_hidden() {
        let mut containers = json!([
            {"name": "a", "env": [
                {"name": "HTTPS_PROXY", "value": "http://p:1"},
                {"name": "NO_PROXY", "value": "x.y"},
                {"name": "MY_HTTP_PROXY_URL", "value": "ab"},
                {"name": "HTTP_PROXY", "valueFrom": {"secretKeyRef": {}}},
            ]},
            {"name": "b"},
        ]);
        sensitive_env_vars(Some(&mut containers));
        assert_eq!(containers[0]["env"][0]["value"], "xxxxxxxxxx");
        assert_eq!(containers[0]["env"][1]["value"], "x.y");
        assert_eq!(containers[0]["env"][2]["value"], "xx");
        assert_eq!(containers[0]["env"][3].get("value"), None);
    }
}
