//! Target configuration. Secrets are redacted here, once, when configuration is
//! loaded: whatever reaches a report, a log line or a link comes from the redacted form.

use anyhow::{bail, Context};
use reqwest::Url;

/// An HTTP target: the URL requests go to, and the form that may be shown.
#[derive(Debug, Clone)]
pub struct HttpTarget {
    /// The URL requests are sent to, credentials included.
    pub url: Url,
    /// The URL as it may appear in reports and logs: no user name or password.
    pub display: String,
}

impl HttpTarget {
    /// Parses and checks a target URL.
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let url = Url::parse(raw).with_context(|| format!("--url `{}` is not a valid URL", redact_raw(raw)))?;
        if !matches!(url.scheme(), "http" | "https") {
            bail!("--url must be http:// or https://, not `{}://`", url.scheme());
        }
        let mut shown = url.clone();
        // Both setters only fail for URLs that cannot have credentials, which http(s) URLs can.
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        Ok(HttpTarget { display: shown.to_string(), url })
    }
}

/// Hides what looks like credentials in a string that failed to parse as a URL.
fn redact_raw(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => format!("{}://***@{}", &raw[..scheme_end], &raw[at + 1..]),
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_display_form() {
        let t = HttpTarget::parse("http://alice:s3cret@127.0.0.1:8080/api?x=1").unwrap();
        assert_eq!(t.display, "http://127.0.0.1:8080/api?x=1");
        assert_eq!(t.url.password(), Some("s3cret"));
    }

    #[test]
    fn unparsable_url_error_hides_password() {
        let err = HttpTarget::parse("http://alice:s3cret@[bad/").unwrap_err();
        assert!(!format!("{err:#}").contains("s3cret"));
    }
}
