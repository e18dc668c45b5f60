//! IO's anonymization of certificates in config maps (`anonymizeConfigMap` in
//! `gather_config_maps.go`), over Go's `encoding/pem.Decode`.

/// What IO writes for each PEM block.
pub const ANONYMIZED_BLOCK: &str =
    "-----BEGIN CERTIFICATE-----\nANONYMIZED\n-----END CERTIFICATE-----\n";

/// `anonymizeConfigMap`: when `data` is nothing but PEM blocks (Go's decoder reads one block
/// after another until nothing is left), one [`ANONYMIZED_BLOCK`] per block; otherwise, if any
/// decode fails, including on text after the last block, `data` unchanged.
pub fn anonymize(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = data;
    loop {
        match decode(rest) {
            None => return data.to_vec(),
            Some(after) => {
                out.extend_from_slice(ANONYMIZED_BLOCK.as_bytes());
                if after.is_empty() {
                    return out;
                }
                rest = after;
            }
        }
    }
}

/// Go's `getLine`: the line up to `\n` without a trailing `\r`, spaces and tabs, and the rest
/// after the `\n`.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut i, j) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (i, i + 1),
        None => (data.len(), data.len()),
    };
    if j > i && i > 0 && data[i - 1] == b'\r' {
        i -= 1;
    }
    let mut line = &data[..i];
    while let [head @ .., b' ' | b'\t'] = line {
        line = head;
    }
    (line, &data[j..])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Go's `pem.Decode`: the rest after the first well-formed block, or `None` when there is
/// none (the block's content itself is not needed).
fn decode(data: &[u8]) -> Option<&[u8]> {
    const START: &[u8] = b"\n-----BEGIN ";
    const END: &[u8] = b"\n-----END ";
    const END_OF_LINE: &[u8] = b"-----";
    let mut rest = data;
    loop {
        if rest.starts_with(&START[1..]) {
            rest = &rest[START.len() - 1..];
        } else if let Some(i) = find(rest, START) {
            rest = &rest[i + START.len()..];
        } else {
            return None;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(kind) = type_line.strip_suffix(END_OF_LINE) else {
            continue;
        };
        let mut headers = 0;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            headers += 1;
            rest = next;
        }
        let (end_index, trailer_index) = if headers == 0 && rest.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match find(rest, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let trailer = &rest[trailer_index..];
        let trailer_len = kind.len() + END_OF_LINE.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_line, rest_of_end_line) = trailer.split_at(trailer_len);
        if !end_line.starts_with(kind) || !end_line.ends_with(END_OF_LINE) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }
        let body: Vec<u8> = rest[..end_index]
            .iter()
            .copied()
            .filter(|b| *b != b' ' && *b != b'\t')
            .collect();
        if !is_std_base64(&body) {
            continue;
        }
        return Some(get_line(&rest[end_index + END.len() - 1..]).1);
    }
}

/// Whether Go's `base64.StdEncoding.Decode` accepts `text` (it skips `\r` and `\n`).
fn is_std_base64(text: &[u8]) -> bool {
    let text: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| *b != b'\r' && *b != b'\n')
        .collect();
    if !text.len().is_multiple_of(4) {
        return false;
    }
    let padding = text.iter().rev().take_while(|b| **b == b'=').count();
    padding <= 2
        && text[..text.len() - padding]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW7u0\nZm9vYmFy\n-----END CERTIFICATE-----\n";

    #[test]
    fn bundles_of_blocks_become_anonymized_blocks() {
        let bundle = format!("{CERT}{CERT}");
        assert_eq!(
            anonymize(bundle.as_bytes()),
            format!("{ANONYMIZED_BLOCK}{ANONYMIZED_BLOCK}").into_bytes()
        );
        // Text before a block is skipped by Go's decoder.
        assert_eq!(
            anonymize(format!("# ca\n{CERT}").as_bytes()),
            ANONYMIZED_BLOCK.as_bytes()
        );
    }

    #[test]
    fn anything_else_is_left_as_it_is() {
        for data in [
            "".to_owned(),
            "v4.4.0".to_owned(),
            // Text after the last block fails the next decode: IO then keeps the original.
            format!("{CERT}\n"),
            format!("{CERT}trailer"),
            // IO's own output is not base64, so it stays as it is.
            ANONYMIZED_BLOCK.to_owned(),
            "-----BEGIN CERTIFICATE-----\nZm9v\n-----END OTHER-----\n".to_owned(),
        ] {
            assert_eq!(anonymize(data.as_bytes()), data.as_bytes(), "{data:?}");
        }
    }
}
