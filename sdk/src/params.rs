//! List options ([`ListParams`]) and their query string.

use crate::error::{Error, Result};

/// How `resourceVersion` is interpreted by a list (`resourceVersionMatch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionMatch {
    /// Any version at least as new as `resource_version`.
    NotOlderThan,
    /// Exactly `resource_version`.
    Exact,
}

impl VersionMatch {
    fn as_str(self) -> &'static str {
        match self {
            VersionMatch::NotOlderThan => "NotOlderThan",
            VersionMatch::Exact => "Exact",
        }
    }
}

/// Options of a list request, sent as its query string.
///
/// ```
/// use wagather_sdk::ListParams;
/// let params = ListParams::default().labels("app in (a,b)").limit(50);
/// assert_eq!(params.query().unwrap(), "labelSelector=app+in+%28a%2Cb%29&limit=50");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListParams {
    /// `labelSelector`, e.g. `app=web,tier!=db`.
    pub label_selector: Option<String>,
    /// `fieldSelector`, e.g. `metadata.name=foo`.
    pub field_selector: Option<String>,
    /// `limit`: page size. `list_all` uses it as its page size (500 when unset).
    pub limit: Option<u32>,
    /// `continue`: the token of the page to start from.
    pub continue_token: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`; needs `resource_version`.
    pub resource_version_match: Option<VersionMatch>,
    /// `timeoutSeconds`: the server-side deadline of the call.
    pub timeout_seconds: Option<u32>,
}

impl ListParams {
    /// Only objects whose labels match `selector`.
    #[must_use]
    pub fn labels(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = Some(selector.into());
        self
    }

    /// Only objects whose fields match `selector`.
    #[must_use]
    pub fn fields(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = Some(selector.into());
        self
    }

    /// At most `limit` objects per page.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continue a paged list from `token` (the previous page's `metadata.continue`).
    #[must_use]
    pub fn continue_token(mut self, token: impl Into<String>) -> Self {
        self.continue_token = Some(token.into());
        self
    }

    /// Read at `version` (see [`VersionMatch`]).
    #[must_use]
    pub fn resource_version(mut self, version: impl Into<String>) -> Self {
        self.resource_version = Some(version.into());
        self
    }

    /// How `resource_version` is matched.
    #[must_use]
    pub fn resource_version_match(mut self, version_match: VersionMatch) -> Self {
        self.resource_version_match = Some(version_match);
        self
    }

    /// Server-side timeout of the call, in seconds.
    #[must_use]
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Checks the combinations the API server would refuse, so the error names the option.
    pub fn validate(&self) -> Result<()> {
        let invalid = |msg: &str| Err(Error::InvalidParams(msg.to_owned()));
        if self.limit == Some(0) {
            return invalid("limit must be at least 1 (leave it unset for no limit)");
        }
        if self.resource_version_match.is_some() && self.resource_version.is_none() {
            return invalid("resource_version_match needs resource_version");
        }
        if self.resource_version_match == Some(VersionMatch::Exact)
            && self.resource_version.as_deref() == Some("0")
        {
            return invalid(
                "resource_version_match Exact cannot be used with resource_version \"0\"",
            );
        }
        if self.continue_token.is_some()
            && (self.resource_version.is_some() || self.resource_version_match.is_some())
        {
            return invalid(
                "continue_token cannot be combined with resource_version or resource_version_match",
            );
        }
        for (option, value) in [
            ("label_selector", &self.label_selector),
            ("field_selector", &self.field_selector),
            ("continue_token", &self.continue_token),
            ("resource_version", &self.resource_version),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.chars().any(char::is_control))
            {
                return Err(Error::InvalidParams(format!(
                    "{option} contains a control character"
                )));
            }
        }
        Ok(())
    }

    /// The validated query string, without the leading `?` (empty when no option is set).
    /// Values are form-urlencoded, as Kubernetes clients send them.
    pub fn query(&self) -> Result<String> {
        self.validate()?;
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut add = |key: &str, value: Option<&str>| {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                query.append_pair(key, value);
            }
        };
        add("labelSelector", self.label_selector.as_deref());
        add("fieldSelector", self.field_selector.as_deref());
        add("limit", self.limit.map(|l| l.to_string()).as_deref());
        add("continue", self.continue_token.as_deref());
        add("resourceVersion", self.resource_version.as_deref());
        add(
            "resourceVersionMatch",
            self.resource_version_match.map(VersionMatch::as_str),
        );
        add(
            "timeoutSeconds",
            self.timeout_seconds.map(|t| t.to_string()).as_deref(),
        );
        Ok(query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_params_give_an_empty_query() {
        assert_eq!(ListParams::default().query().unwrap(), "");
    }

    #[test]
    fn every_option_in_a_fixed_order() {
        let params = ListParams::default()
            .timeout(30)
            .resource_version("12345")
            .resource_version_match(VersionMatch::NotOlderThan)
            .limit(10)
            .fields("metadata.name=foo")
            .labels("app=web");
        assert_eq!(
            params.query().unwrap(),
            "labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dfoo&limit=10\
             &resourceVersion=12345&resourceVersionMatch=NotOlderThan&timeoutSeconds=30"
        );
    }

    #[test]
    fn selectors_are_escaped() {
        let params = ListParams::default().labels("app in (a,b),tier!=x");
        assert_eq!(
            params.query().unwrap(),
            "labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Dx"
        );
        let params = ListParams::default().fields("spec.nodeName=n1&x=y#z+w");
        assert_eq!(
            params.query().unwrap(),
            "fieldSelector=spec.nodeName%3Dn1%26x%3Dy%23z%2Bw"
        );
    }

    #[test]
    fn continue_tokens_are_escaped() {
        // Real continue tokens are base64 and contain '=', '+' and '/'.
        let params = ListParams::default()
            .limit(2)
            .continue_token("eyJ2Ijoi+/a==");
        assert_eq!(
            params.query().unwrap(),
            "limit=2&continue=eyJ2Ijoi%2B%2Fa%3D%3D"
        );
    }

    #[test]
    fn empty_values_are_left_out() {
        let params = ListParams::default().labels("").continue_token("");
        assert_eq!(params.query().unwrap(), "");
    }

    #[test]
    fn invalid_combinations_are_refused() {
        let cases = [
            (ListParams::default().limit(0), "limit"),
            (
                ListParams::default().resource_version_match(VersionMatch::Exact),
                "needs resource_version",
            ),
            (
                ListParams::default()
                    .resource_version("0")
                    .resource_version_match(VersionMatch::Exact),
                "Exact",
            ),
            (
                ListParams::default()
                    .continue_token("t")
                    .resource_version("5"),
                "continue_token",
            ),
            (ListParams::default().labels("a=b\nc"), "label_selector"),
        ];
        for (params, needle) in cases {
            match params.query() {
                Err(Error::InvalidParams(msg)) => {
                    assert!(msg.contains(needle), "{msg:?} should mention {needle:?}")
                }
                other => panic!("{params:?} gave {other:?}"),
            }
        }
    }
}
