//! minisign signatures over component bytes, bound to the gatherer's name and version.
//!
//! A valid signature alone would let anyone who can write to a source swap in *another* validly
//! signed component: a different gatherer, or an older version with a known bug. So the signature's
//! trusted comment (which minisign signs together with the signature) must read
//!
//! ```text
//! gatherer=<name> version=<version>
//! ```
//!
//! (more `key=value` words may follow), and [`TrustedKeys::verify`] compares both with what the
//! component's own manifest declares, which the host reads from the bytes before calling it.
//! Signatures are made with `minisign -S -s KEY -m g.wasm -t "gatherer=ops version=1.2.0"` or
//! [`sign_with_key_file`].

use std::path::Path;

use base64::Engine as _;

/// Whether a gatherer's component must be signed; per gatherer, from the host's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureMode {
    /// Signatures are not looked for.
    #[default]
    Off,
    /// A signature is checked when the source has one; a component without one is accepted.
    IfPresent,
    /// A component without a valid signature from a trusted key is refused.
    Required,
}

/// The gatherer and version a signature must name: what the component's manifest declares.
#[derive(Debug, Clone, Copy)]
pub struct ExpectedSigner<'a> {
    /// The gatherer name in the component's manifest.
    pub gatherer: &'a str,
    /// The version in the component's manifest.
    pub version: &'a str,
}

/// A signature that verified: by whom and over what claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The signing key's id as minisign prints it (upper-case hex, as in `minisign public key <id>`).
    pub key_id: String,
    /// The signed trusted comment.
    pub trusted_comment: String,
}

/// Why a signature was not accepted, or a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The config requires a signature and the source has none.
    #[error("a signature is required, but there is none at {looked_at}")]
    Missing {
        /// Where it was looked for.
        looked_at: String,
    },
    /// A signature must be checked but no trusted key is configured.
    #[error("a signature is to be checked, but no trusted public keys are configured")]
    NoTrustedKeys,
    /// The signature text is not minisign's format.
    #[error("the signature is not a minisign signature: {0}")]
    Malformed(String),
    /// Signed with a key that is not configured as trusted.
    #[error("signed by key {key_id}, which is not among the trusted keys")]
    UntrustedKey {
        /// The signing key's id.
        key_id: String,
    },
    /// The signature does not match the bytes (or its trusted comment was altered).
    #[error("the signature by key {key_id} does not match the component's bytes")]
    Invalid {
        /// The signing key's id.
        key_id: String,
    },
    /// A legacy (not prehashed) signature; refused so that one algorithm is trusted.
    #[error(
        "legacy minisign signatures are refused: sign with minisign 0.8 or later (prehashed, the default)"
    )]
    Legacy,
    /// The trusted comment does not have the `gatherer=<name> version=<version>` form.
    #[error(
        "the trusted comment `{comment}` does not have the form `gatherer=<name> version=<version>`"
    )]
    Comment {
        /// The trusted comment found.
        comment: String,
    },
    /// A valid signature for another gatherer.
    #[error(
        "the signature is for gatherer `{signed}`, but the component's manifest names `{expected}`"
    )]
    WrongGatherer {
        /// The name in the trusted comment.
        signed: String,
        /// The name in the manifest.
        expected: String,
    },
    /// A valid signature for another version of this gatherer.
    #[error(
        "the signature is for version {signed} of `{gatherer}`, but the component's manifest declares version {expected}"
    )]
    WrongVersion {
        /// The gatherer.
        gatherer: String,
        /// The version in the trusted comment.
        signed: String,
        /// The version in the manifest.
        expected: String,
    },
    /// A configured public key is unusable.
    #[error("public key {origin}: {why}")]
    PublicKey {
        /// The key text or file.
        origin: String,
        /// What is wrong.
        why: String,
    },
    /// Signing failed (unreadable, encrypted or corrupt secret key).
    #[error("signing with {key}: {why}")]
    Signing {
        /// The secret key file.
        key: String,
        /// What is wrong.
        why: String,
    },
}

/// The minisign public keys whose signatures the host accepts.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<(String, minisign_verify::PublicKey)>,
}

impl TrustedKeys {
    /// No keys yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key given as text: either the base64 line (`RWQ...`) or a whole `.pub` file.
    pub fn add(&mut self, text: &str) -> Result<&mut Self, SignatureError> {
        let text = text.trim();
        let origin = || {
            let line = text.lines().last().unwrap_or(text);
            format!("`{line}`")
        };
        let (key, b64) = if text.contains('\n') {
            let key = minisign_verify::PublicKey::decode(text);
            (key, text.lines().nth(1).unwrap_or_default().trim())
        } else {
            (minisign_verify::PublicKey::from_base64(text), text)
        };
        let key = key.map_err(|e| SignatureError::PublicKey {
            origin: origin(),
            why: e.to_string(),
        })?;
        let key_id = key_id_from_blob(b64, 2).ok_or_else(|| SignatureError::PublicKey {
            origin: origin(),
            why: "not a minisign public key".into(),
        })?;
        self.keys.push((key_id, key));
        Ok(self)
    }

    /// Adds the key in a minisign `.pub` file.
    pub fn add_file(&mut self, path: &Path) -> Result<&mut Self, SignatureError> {
        let text = std::fs::read_to_string(path).map_err(|e| SignatureError::PublicKey {
            origin: path.display().to_string(),
            why: e.to_string(),
        })?;
        self.add(&text).map_err(|e| match e {
            SignatureError::PublicKey { why, .. } => SignatureError::PublicKey {
                origin: path.display().to_string(),
                why,
            },
            other => other,
        })
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The ids of the trusted keys, as minisign prints them.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// Checks `signature` (minisign text) over `bytes` against the trusted keys, then that its
    /// trusted comment names `expected`'s gatherer and version.
    pub fn verify(
        &self,
        bytes: &[u8],
        signature: &str,
        expected: ExpectedSigner<'_>,
    ) -> Result<VerifiedSignature, SignatureError> {
        if self.keys.is_empty() {
            return Err(SignatureError::NoTrustedKeys);
        }
        let sig = minisign_verify::Signature::decode(signature)
            .map_err(|e| SignatureError::Malformed(e.to_string()))?;
        let key_id = signature
            .lines()
            .nth(1)
            .and_then(|line| key_id_from_blob(line.trim(), 2))
            .ok_or_else(|| SignatureError::Malformed("no key id".into()))?;
        let Some((_, key)) = self.keys.iter().find(|(id, _)| *id == key_id) else {
            return Err(SignatureError::UntrustedKey { key_id });
        };
        key.verify(bytes, &sig, false).map_err(|e| match e {
            minisign_verify::Error::UnexpectedAlgorithm => SignatureError::Legacy,
            minisign_verify::Error::UnexpectedKeyId => SignatureError::UntrustedKey {
                key_id: key_id.clone(),
            },
            _ => SignatureError::Invalid {
                key_id: key_id.clone(),
            },
        })?;
        let comment = sig.trusted_comment().to_string();
        check_comment(&comment, expected)?;
        Ok(VerifiedSignature {
            key_id,
            trusted_comment: comment,
        })
    }

    /// Applies `mode`: `Off` checks nothing, `IfPresent` checks a signature when there is one,
    /// `Required` refuses a component without one. `looked_at` says where the source looked,
    /// for the message when it is missing.
    pub fn check(
        &self,
        mode: SignatureMode,
        bytes: &[u8],
        signature: Option<&str>,
        looked_at: &str,
        expected: ExpectedSigner<'_>,
    ) -> Result<Option<VerifiedSignature>, SignatureError> {
        match (mode, signature) {
            (SignatureMode::Off, _) | (SignatureMode::IfPresent, None) => Ok(None),
            (SignatureMode::Required, None) => Err(SignatureError::Missing {
                looked_at: looked_at.to_string(),
            }),
            (_, Some(sig)) => self.verify(bytes, sig, expected).map(Some),
        }
    }
}

/// The trusted comment that binds a signature to a gatherer and version.
pub fn trusted_comment(gatherer: &str, version: &str) -> String {
    format!("gatherer={gatherer} version={version}")
}

fn check_comment(comment: &str, expected: ExpectedSigner<'_>) -> Result<(), SignatureError> {
    let bad = || SignatureError::Comment {
        comment: comment.to_string(),
    };
    let (mut gatherer, mut version) = (None, None);
    for word in comment.split_whitespace() {
        let slot = if let Some(v) = word.strip_prefix("gatherer=") {
            (&mut gatherer, v)
        } else if let Some(v) = word.strip_prefix("version=") {
            (&mut version, v)
        } else {
            continue;
        };
        if slot.0.replace(slot.1).is_some() || slot.1.is_empty() {
            return Err(bad());
        }
    }
    let (Some(gatherer), Some(version)) = (gatherer, version) else {
        return Err(bad());
    };
    if gatherer != expected.gatherer {
        return Err(SignatureError::WrongGatherer {
            signed: gatherer.to_string(),
            expected: expected.gatherer.to_string(),
        });
    }
    if version != expected.version {
        return Err(SignatureError::WrongVersion {
            gatherer: gatherer.to_string(),
            signed: version.to_string(),
            expected: expected.version.to_string(),
        });
    }
    Ok(())
}

/// minisign's key id (bytes 2..10 of a key or signature blob), printed as minisign prints it.
fn key_id_from_blob(b64: &str, offset: usize) -> Option<String> {
    let blob = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let id: [u8; 8] = blob.get(offset..offset + 8)?.try_into().ok()?;
    Some(format!("{:X}", u64::from_le_bytes(id)))
}

/// Parses an unencrypted minisign secret key file.
///
/// minisign 0.11 (Debian 12's) writes keys made with `-W` with an all-zero checksum, which the
/// `minisign` crate's loader rejects as corrupt; so the key is decoded here and the checksum left
/// unchecked (a damaged key then fails the self-check in [`sign_with_key_file`]).
fn read_unencrypted_secret_key(text: &str) -> Result<minisign::SecretKey, String> {
    let line = text
        .lines()
        .nth(1)
        .ok_or("not a minisign secret key: expected a comment line and a base64 line")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(line.trim())
        .map_err(|e| format!("not a minisign secret key: {e}"))?;
    if bytes.get(..2) != Some(b"Ed".as_slice()) {
        return Err("not a minisign (Ed25519) secret key".into());
    }
    if bytes.get(2..4) != Some([0u8, 0].as_slice()) {
        return Err("the key is encrypted with a password".into());
    }
    minisign::SecretKey::from_bytes(&bytes).map_err(|e| format!("not a minisign secret key: {e}"))
}

/// Signs `bytes` with an unencrypted minisign secret key file (`minisign -G -W`), with the trusted
/// comment `gatherer=<gatherer> version=<version>`; returns the `.minisig` text.
///
/// Encrypted keys are refused rather than prompted for: this runs in CI and in `wagather push`,
/// where nobody types a password. Sign with the `minisign` CLI and pass the `.minisig` instead.
pub fn sign_with_key_file(
    key_file: &Path,
    bytes: &[u8],
    gatherer: &str,
    version: &str,
) -> Result<String, SignatureError> {
    let err = |why: String| SignatureError::Signing {
        key: key_file.display().to_string(),
        why,
    };
    if gatherer.is_empty()
        || version.is_empty()
        || (gatherer, version) != (gatherer.trim(), version.trim())
        || gatherer.contains(char::is_whitespace)
        || version.contains(char::is_whitespace)
    {
        return Err(err(format!(
            "the gatherer name `{gatherer}` and version `{version}` must be non-empty words"
        )));
    }
    let text = std::fs::read_to_string(key_file).map_err(|e| err(e.to_string()))?;
    let sk = read_unencrypted_secret_key(&text).map_err(|why| {
        err(format!(
            "{why} (only unencrypted keys, made with `minisign -G -W`, are used here; for an encrypted key sign with the minisign CLI)"
        ))
    })?;
    // The public half is in the secret key; passing it makes `sign` check its own result, which
    // stands in for the key checksum skipped below.
    let pk = minisign::PublicKey::from_secret_key(&sk).map_err(|e| err(e.to_string()))?;
    let comment = trusted_comment(gatherer, version);
    let untrusted = format!("signature of gatherer {gatherer} {version}");
    let sig = minisign::sign(
        Some(&pk),
        &sk,
        std::io::Cursor::new(bytes),
        Some(&comment),
        Some(&untrusted),
    )
    .map_err(|e| err(e.to_string()))?;
    Ok(sig.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected<'a>(gatherer: &'a str, version: &'a str) -> ExpectedSigner<'a> {
        ExpectedSigner { gatherer, version }
    }

    #[test]
    fn comment_rules() {
        assert!(check_comment("gatherer=ops version=1.0.0", expected("ops", "1.0.0")).is_ok());
        assert!(
            check_comment(
                "timestamp:1 gatherer=ops version=1.0.0 x=y",
                expected("ops", "1.0.0")
            )
            .is_ok()
        );
        assert!(matches!(
            check_comment("gatherer=other version=1.0.0", expected("ops", "1.0.0")),
            Err(SignatureError::WrongGatherer { .. })
        ));
        assert!(matches!(
            check_comment("gatherer=ops version=0.9.0", expected("ops", "1.0.0")),
            Err(SignatureError::WrongVersion { .. })
        ));
        for bad in [
            "timestamp:1700000000\tfile:g.wasm",
            "gatherer=ops",
            "gatherer=ops gatherer=ops version=1",
            "gatherer= version=1",
        ] {
            assert!(
                matches!(
                    check_comment(bad, expected("ops", "1")),
                    Err(SignatureError::Comment { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn sign_and_verify_with_generated_keys() {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sk_path = dir.path().join("k.key");
        std::fs::write(&sk_path, kp.sk.to_box(None).unwrap().to_string()).unwrap();
        let sig = sign_with_key_file(&sk_path, b"component", "ops", "1.0.0").unwrap();
        let mut keys = TrustedKeys::new();
        keys.add(&kp.pk.to_box().unwrap().to_string()).unwrap();
        let ok = keys
            .verify(b"component", &sig, expected("ops", "1.0.0"))
            .unwrap();
        assert_eq!(ok.trusted_comment, "gatherer=ops version=1.0.0");
        assert!(matches!(
            keys.verify(b"componenT", &sig, expected("ops", "1.0.0")),
            Err(SignatureError::Invalid { .. })
        ));
        assert!(matches!(
            keys.check(
                SignatureMode::Required,
                b"x",
                None,
                "g.wasm.minisig",
                expected("ops", "1")
            ),
            Err(SignatureError::Missing { .. })
        ));
        assert_eq!(
            keys.check(
                SignatureMode::IfPresent,
                b"x",
                None,
                "-",
                expected("ops", "1")
            ),
            Ok(None)
        );
        assert!(matches!(
            TrustedKeys::new().verify(b"component", &sig, expected("ops", "1.0.0")),
            Err(SignatureError::NoTrustedKeys)
        ));
        assert!(matches!(
            sign_with_key_file(&sk_path, b"c", "two words", "1"),
            Err(SignatureError::Signing { .. })
        ));
        let e = TrustedKeys::new().add("not a key").unwrap_err();
        assert!(e.to_string().contains("`not a key`"), "{e}");
    }
}
